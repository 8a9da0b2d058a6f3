//! Static catalogues the generator draws from: site templates, device models and firmware,
//! OUIs, person names, client device profiles and the WLAN profiles.

use super::Wlan;

pub(super) struct SiteTemplate {
    pub(super) name: &'static str,
    pub(super) code: &'static str,
    pub(super) address: &'static str,
    pub(super) city: &'static str,
    pub(super) state: &'static str,
    pub(super) country: &'static str,
    pub(super) zip: &'static str,
    pub(super) lat: &'static str,
    pub(super) lon: &'static str,
    /// Relative size of the site (how many devices and clients it gets).
    pub(super) weight: u64,
}

pub(super) const SITE_TEMPLATES: [SiteTemplate; 8] = [
    SiteTemplate {
        name: "San Jose HQ",
        code: "sjc",
        address: "6280 America Center Dr",
        city: "San Jose",
        state: "California",
        country: "United States",
        zip: "95002",
        lat: "37.4102",
        lon: "-121.9589",
        weight: 5,
    },
    SiteTemplate {
        name: "Austin Branch",
        code: "aus",
        address: "11305 Four Points Dr",
        city: "Austin",
        state: "Texas",
        country: "United States",
        zip: "78726",
        lat: "30.4021",
        lon: "-97.8506",
        weight: 2,
    },
    SiteTemplate {
        name: "Bangalore Campus",
        code: "blr",
        address: "Outer Ring Rd, Mahadevapura",
        city: "Bangalore",
        state: "Karnataka",
        country: "India",
        zip: "560048",
        lat: "12.9916",
        lon: "77.7010",
        weight: 4,
    },
    SiteTemplate {
        name: "London Office",
        code: "lon",
        address: "1 Finsbury Ave",
        city: "London",
        state: "England",
        country: "United Kingdom",
        zip: "EC2M 2PF",
        lat: "51.5194",
        lon: "-0.0846",
        weight: 2,
    },
    SiteTemplate {
        name: "Chicago Store 112",
        code: "chi",
        address: "233 S Wacker Dr",
        city: "Chicago",
        state: "Illinois",
        country: "United States",
        zip: "60606",
        lat: "41.8789",
        lon: "-87.6359",
        weight: 1,
    },
    SiteTemplate {
        name: "Reno Warehouse",
        code: "rno",
        address: "9450 Double R Blvd",
        city: "Reno",
        state: "Nevada",
        country: "United States",
        zip: "89521",
        lat: "39.4540",
        lon: "-119.7640",
        weight: 2,
    },
    SiteTemplate {
        name: "Denver Clinic",
        code: "den",
        address: "1670 Broadway",
        city: "Denver",
        state: "Colorado",
        country: "United States",
        zip: "80202",
        lat: "39.7430",
        lon: "-104.9870",
        weight: 1,
    },
    SiteTemplate {
        name: "Sydney Office",
        code: "syd",
        address: "200 George St",
        city: "Sydney",
        state: "New South Wales",
        country: "Australia",
        zip: "2000",
        lat: "-33.8634",
        lon: "151.2070",
        weight: 2,
    },
];

pub(super) struct ApModel {
    pub(super) model: &'static str,
    pub(super) part: &'static str,
    pub(super) six_ghz: bool,
    pub(super) streams: &'static str,
}

pub(super) const AP_MODELS: [ApModel; 5] = [
    ApModel {
        model: "AP-635",
        part: "R7J27A",
        six_ghz: true,
        streams: "2x2:2",
    },
    ApModel {
        model: "AP-655",
        part: "S0G16A",
        six_ghz: true,
        streams: "4x4:4",
    },
    ApModel {
        model: "AP-535",
        part: "JZ356A",
        six_ghz: false,
        streams: "4x4:4",
    },
    ApModel {
        model: "AP-515",
        part: "Q9H62A",
        six_ghz: false,
        streams: "4x4:4",
    },
    ApModel {
        model: "AP-505",
        part: "R2H28A",
        six_ghz: false,
        streams: "2x2:2",
    },
];

pub(super) const AP_FIRMWARE: [&str; 3] = ["10.7.1.0_90711", "10.7.1.0_90711", "10.6.0.2_90095"];

pub(super) struct SwitchModel {
    pub(super) model: &'static str,
    pub(super) part: &'static str,
    pub(super) firmware: &'static str,
    pub(super) switch_type: &'static str,
}

pub(super) const CORE_SWITCH: SwitchModel = SwitchModel {
    model: "CX 6300M",
    part: "JL662A",
    firmware: "FL.10.13.1000",
    switch_type: "cx",
};

pub(super) const ACCESS_SWITCHES: [SwitchModel; 4] = [
    SwitchModel {
        model: "CX 6200F",
        part: "JL724A",
        firmware: "ML.10.13.1000",
        switch_type: "cx",
    },
    SwitchModel {
        model: "CX 6100",
        part: "JL678A",
        firmware: "PL.10.13.1000",
        switch_type: "cx",
    },
    SwitchModel {
        model: "CX 6300M",
        part: "JL662A",
        firmware: "FL.10.13.1000",
        switch_type: "cx",
    },
    SwitchModel {
        model: "Aruba 2930F",
        part: "JL259A",
        firmware: "WC.16.11.0015",
        switch_type: "pvos",
    },
];

pub(super) struct GatewayModel {
    pub(super) model: &'static str,
    pub(super) part: &'static str,
    pub(super) function: &'static str,
}

pub(super) const GATEWAY_MODELS: [GatewayModel; 3] = [
    GatewayModel {
        model: "A9004",
        part: "R1B21A",
        function: "Branch Gateway",
    },
    GatewayModel {
        model: "A9240",
        part: "R7H12A",
        function: "Branch Gateway",
    },
    GatewayModel {
        model: "A7210",
        part: "JW743A",
        function: "Mobility Controller",
    },
];

pub(super) const GATEWAY_FIRMWARE: [&str; 2] = ["10.7.1.0_90711", "10.6.0.3_90581"];

/// Aruba OUIs used for device MAC addresses.
pub(super) const ARUBA_OUIS: [[u8; 3]; 5] = [
    [0x20, 0x4c, 0x03],
    [0x94, 0xb4, 0x0f],
    [0xb8, 0x3a, 0x5a],
    [0xd0, 0xd3, 0xe0],
    [0xec, 0x50, 0xaa],
];

pub(super) const AP_REBOOT_REASONS: [&str; 4] =
    ["AP_RELOAD", "USER_REBOOT", "POWER_LOSS", "AP_RELOAD"];
pub(super) const SWITCH_REBOOT_REASONS: [&str; 3] = [
    "Reboot requested by user",
    "Power failure",
    "Software upgrade",
];
pub(super) const GATEWAY_REBOOT_REASONS: [&str; 3] =
    ["Reboot caused by user", "Power cycle", "Software upgrade"];

pub(super) const FIRST_NAMES: [&str; 32] = [
    "james", "maria", "wei", "priya", "ahmed", "sofia", "liam", "olivia", "noah", "emma", "raj",
    "ananya", "lucas", "mia", "kenji", "yuki", "omar", "fatima", "daniel", "chloe", "arjun",
    "isabel", "ethan", "grace", "mateo", "zoe", "samuel", "hannah", "vikram", "nina", "leo", "ava",
];

pub(super) const LAST_NAMES: [&str; 24] = [
    "smith", "garcia", "chen", "patel", "khan", "rossi", "murphy", "nguyen", "brown", "kumar",
    "tanaka", "silva", "johnson", "muller", "dubois", "kowalski", "ali", "martin", "lee", "reddy",
    "walker", "lopez", "wright", "singh",
];

pub(super) const USER_DOMAIN: &str = "corp.example.com";

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Profile {
    WinLaptop,
    MacLaptop,
    IPhone,
    AndroidPhone,
    GuestPhone,
    Scanner,
    Thermostat,
    Desktop,
    VoipPhone,
    Printer,
    Camera,
}

pub(super) struct ProfileInfo {
    pub(super) manufacturer: &'static str,
    pub(super) ouis: [[u8; 3]; 2],
    pub(super) os: &'static str,
    pub(super) category: &'static str,
    pub(super) function: &'static str,
}

pub(super) fn profile_info(p: Profile) -> ProfileInfo {
    let (manufacturer, ouis, os, category, function) = match p {
        Profile::WinLaptop => (
            "Dell",
            [[0xf4, 0x8e, 0x38], [0x3c, 0x58, 0xc2]],
            "Windows",
            "Computer",
            "Laptop",
        ),
        Profile::MacLaptop => (
            "Apple",
            [[0xa4, 0x83, 0xe7], [0xf0, 0x18, 0x98]],
            "macOS",
            "Computer",
            "Laptop",
        ),
        Profile::IPhone => (
            "Apple",
            [[0x3c, 0x22, 0xfb], [0xdc, 0xa4, 0xca]],
            "iOS",
            "Smart Device",
            "Mobile",
        ),
        Profile::AndroidPhone => (
            "Samsung",
            [[0x8c, 0xf5, 0xa3], [0x5c, 0x51, 0x88]],
            "Android",
            "Smart Device",
            "Mobile",
        ),
        Profile::GuestPhone => (
            "Google",
            [[0x3c, 0x28, 0x6d], [0xf8, 0x0f, 0xf9]],
            "Android",
            "Smart Device",
            "Mobile",
        ),
        Profile::Scanner => (
            "Zebra",
            [[0x00, 0x07, 0x4d], [0x94, 0xfb, 0x29]],
            "Android",
            "Handheld",
            "Barcode Scanner",
        ),
        Profile::Thermostat => (
            "Honeywell",
            [[0x00, 0xd0, 0x2d], [0x48, 0xa2, 0xe6]],
            "Embedded",
            "IoT",
            "Thermostat",
        ),
        Profile::Desktop => (
            "HP",
            [[0x94, 0x57, 0xa5], [0x10, 0xe7, 0xc6]],
            "Windows",
            "Computer",
            "Desktop",
        ),
        Profile::VoipPhone => (
            "Poly",
            [[0x64, 0x16, 0x7f], [0x00, 0x04, 0xf2]],
            "Embedded",
            "VoIP",
            "IP Phone",
        ),
        Profile::Printer => (
            "HP",
            [[0x9c, 0x7b, 0xef], [0x38, 0x63, 0xbb]],
            "Embedded",
            "Printer",
            "Printer",
        ),
        Profile::Camera => (
            "Axis",
            [[0x00, 0x40, 0x8c], [0xac, 0xcc, 0x8e]],
            "Embedded",
            "IoT",
            "IP Camera",
        ),
    };
    ProfileInfo {
        manufacturer,
        ouis,
        os,
        category,
        function,
    }
}

pub(super) const WLAN_CORP: usize = 0;
pub(super) const WLAN_GUEST: usize = 1;
pub(super) const WLAN_IOT: usize = 2;

pub(super) fn wlans() -> Vec<Wlan> {
    let w = |name: &str,
             level: &str,
             security: &str,
             km: &str,
             band: &str,
             vlan: &str,
             vlan_name: &str,
             role: &str,
             auth: &str,
             tunnel: &str| Wlan {
        name: name.into(),
        security_level: level.into(),
        security: security.into(),
        key_management: km.into(),
        band: band.into(),
        vlan: vlan.into(),
        vlan_name: vlan_name.into(),
        role: role.into(),
        authentication_type: auth.into(),
        tunnel_type: tunnel.into(),
    };
    vec![
        w(
            "Corp-Secure",
            "Enterprise",
            "WPA3-Enterprise",
            "WPA3_ENTERPRISE",
            "2.4 GHz, 5 GHz, 6 GHz",
            "10",
            "corp-wifi",
            "employee",
            "802.1X",
            "Overlay",
        ),
        w(
            "Guest-WiFi",
            "Captive Portal",
            "Enhanced Open",
            "OWE",
            "2.4 GHz, 5 GHz",
            "30",
            "guest",
            "guest",
            "Captive Portal",
            "User-based",
        ),
        w(
            "IoT-Net",
            "Personal",
            "WPA2-Personal",
            "WPA2_PSK",
            "2.4 GHz, 5 GHz",
            "40",
            "iot",
            "iot",
            "PSK",
            "Overlay",
        ),
    ]
}
