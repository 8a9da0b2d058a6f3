//! Records the git revision the binary was built from (`aruba_noc_mcp_build_info{revision}`);
//! `unknown` outside a git checkout (e.g. a source tarball).

use std::process::Command;

fn main() {
    let revision = std::env::var("ARUBA_NOC_MCP_REVISION")
        .ok()
        .filter(|r| !r.is_empty())
        .or_else(|| {
            Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=ARUBA_NOC_MCP_REVISION={revision}");
    println!("cargo:rerun-if-env-changed=ARUBA_NOC_MCP_REVISION");
    // Rebuild when HEAD moves (a commit or checkout); both paths may not exist (worktrees, tarballs).
    if let Ok(head) = std::fs::read_to_string(".git/HEAD") {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Some(reference) = head.strip_prefix("ref: ") {
            let path = format!(".git/{}", reference.trim());
            if std::path::Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}
