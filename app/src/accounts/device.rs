//! "Chrome 131 on Linux" from a user agent string.

/// Browser (with major version) and operating system, or "Unknown device".
pub fn describe(user_agent: &str) -> String {
    let Some(ua) = woothee::parser::Parser::new()
        .parse(user_agent)
        .filter(|ua| !(ua.name == "UNKNOWN" && ua.os == "UNKNOWN"))
    else {
        return "Unknown device".to_owned();
    };
    let browser = match (ua.name, ua.version.split('.').next().unwrap_or("")) {
        ("UNKNOWN", _) => "Unknown browser".to_owned(),
        (name, "" | "UNKNOWN") => name.to_owned(),
        (name, major) => format!("{name} {major}"),
    };
    let os = match ua.os {
        "UNKNOWN" => "an unknown system",
        os => os,
    };
    format!("{browser} on {os}")
}

/// Browser family and OS without versions: a browser update is not a new device.
pub fn family(user_agent: &str) -> String {
    match woothee::parser::Parser::new().parse(user_agent) {
        Some(ua) => format!("{}/{}", ua.name, ua.os),
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome), "Chrome 131 on Linux");
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(firefox), "Firefox 133 on Windows 10");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(safari), "Safari 17 on iPhone");
        assert_eq!(describe(""), "Unknown device");
        assert_eq!(family(chrome), "Chrome/Linux");
    }
}
