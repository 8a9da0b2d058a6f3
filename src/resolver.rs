//! Name resolution for the ureq agents (Central's transport, the analytics and trace exporters):
//! each host is looked up once per [`DNS_CACHE_TTL`], not on every request.
//!
//! ureq's default resolver looks the host up before every request, even one that then reuses a
//! pooled connection, and when a timeout applies (ours always does) it does the lookup on a new
//! thread so that it can give up on it: one thread started and torn down per request to Central
//! (310 thread starts for 300 calls, a fifth of a call's CPU under callgrind), and one DNS query
//! per request for a real hostname. [`CachingResolver`] keeps the answer for a short while;
//! a miss still goes through ureq's resolver with its timeout.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a lookup is reused: short enough that a moved API gateway is found again within half
/// a minute, long enough that a busy session asks DNS a few times a minute at most.
pub const DNS_CACHE_TTL: Duration = Duration::from_secs(30);

/// Hosts remembered at once (the API gateway and the token endpoint, normally); the oldest
/// answer makes room for a new host.
const MAX_HOSTS: usize = 8;

/// A resolver that remembers each `host:port`'s addresses for a while.
#[derive(Debug)]
pub struct CachingResolver {
    inner: DefaultResolver,
    ttl: Duration,
    cache: Mutex<Vec<Cached>>,
}

#[derive(Debug)]
struct Cached {
    key: String,
    resolved_at: Instant,
    addrs: ResolvedSocketAddrs,
}

/// A ureq agent with `config` whose lookups go through a [`CachingResolver`] ([`DNS_CACHE_TTL`]):
/// every agent of this server is made here.
pub fn agent(config: Config) -> ureq::Agent {
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        CachingResolver::new(DNS_CACHE_TTL),
    )
}

impl CachingResolver {
    /// A resolver that reuses an answer for `ttl`.
    pub fn new(ttl: Duration) -> CachingResolver {
        CachingResolver {
            inner: DefaultResolver::default(),
            ttl,
            cache: Mutex::new(Vec::new()),
        }
    }

    fn cached(&self, key: &str, now: Instant) -> Option<ResolvedSocketAddrs> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .iter()
            .find(|c| c.key == key && now.duration_since(c.resolved_at) < self.ttl)
            .map(|c| c.addrs.clone())
    }

    fn remember(&self, key: String, addrs: &ResolvedSocketAddrs, now: Instant) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|c| c.key != key);
        if cache.len() >= MAX_HOSTS {
            cache.sort_by_key(|c| c.resolved_at);
            cache.remove(0);
        }
        cache.push(Cached {
            key,
            resolved_at: now,
            addrs: addrs.clone(),
        });
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = match (uri.scheme(), uri.authority()) {
            (Some(scheme), Some(authority)) => DefaultResolver::host_and_port(scheme, authority),
            _ => None,
        };
        let Some(key) = key else {
            // Not a full URL: ureq's resolver reports it.
            return self.inner.resolve(uri, config, timeout);
        };
        let now = Instant::now();
        if let Some(addrs) = self.cached(&key, now) {
            return Ok(addrs);
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        self.remember(key, &addrs, now);
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &CachingResolver, url: &str) -> Vec<std::net::SocketAddr> {
        let uri: Uri = url.parse().unwrap();
        let config = Config::default();
        // A timeout, as every request of ours has: ureq's resolver would use a thread.
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::from_secs(5),
            ..NextTimeout::default()
        };
        resolver
            .resolve(&uri, &config, timeout)
            .unwrap()
            .iter()
            .copied()
            .collect()
    }

    #[test]
    fn remembers_each_host_for_the_ttl_only() {
        let resolver = CachingResolver::new(Duration::from_millis(200));
        let first = resolve(&resolver, "http://127.0.0.1:9/a");
        assert_eq!(first, vec!["127.0.0.1:9".parse().unwrap()]);
        let stored_at = resolver.cache.lock().unwrap()[0].resolved_at;
        resolve(&resolver, "http://127.0.0.1:9/b");
        assert_eq!(
            resolver.cache.lock().unwrap()[0].resolved_at,
            stored_at,
            "a second request within the TTL reuses the answer"
        );
        std::thread::sleep(Duration::from_millis(250));
        resolve(&resolver, "http://127.0.0.1:9/c");
        assert!(
            resolver.cache.lock().unwrap()[0].resolved_at > stored_at,
            "after the TTL the host is looked up again"
        );
    }

    #[test]
    fn keys_by_host_and_port_and_stays_bounded() {
        let resolver = CachingResolver::new(DNS_CACHE_TTL);
        assert_eq!(
            resolve(&resolver, "https://127.0.0.1/x"),
            vec!["127.0.0.1:443".parse().unwrap()]
        );
        for port in 1..=20u16 {
            let addrs = resolve(&resolver, &format!("http://127.0.0.1:{port}/"));
            assert_eq!(addrs[0].port(), port);
        }
        assert_eq!(resolver.cache.lock().unwrap().len(), MAX_HOSTS);
    }
}
