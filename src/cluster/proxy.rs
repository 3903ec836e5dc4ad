//! Which proxy a request to the API server goes through, by kubectl's
//! (Go's) rules: the kubeconfig cluster's `proxy-url` wins; else
//! `HTTPS_PROXY` for an https server (`HTTP_PROXY` for http), unless
//! `NO_PROXY` names the server or the server is this machine (localhost or a
//! loopback address, which Go never proxies from the environment).

use crate::environment::ProxyEnv;
use std::net::IpAddr;

/// The proxy URL for requests to `server`, if any.
pub fn choose(
    server: &http::Uri,
    kubeconfig_proxy: Option<&str>,
    env: &ProxyEnv,
) -> Option<String> {
    if let Some(proxy) = kubeconfig_proxy.filter(|p| !p.trim().is_empty()) {
        return Some(proxy.to_string());
    }
    let from_env = match server.scheme_str() {
        Some("http") => env.http.as_deref(),
        _ => env.https.as_deref(),
    }
    .filter(|p| !p.trim().is_empty())?;
    let host = server.host()?.trim_start_matches('[').trim_end_matches(']');
    let port = server
        .port_u16()
        .unwrap_or(if server.scheme_str() == Some("http") {
            80
        } else {
            443
        });
    if is_local(host)
        || env
            .no_proxy
            .as_deref()
            .is_some_and(|list| excluded(list, host, port))
    {
        return None;
    }
    Some(from_env.to_string())
}

fn is_local(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `NO_PROXY` (comma-separated: `*`, IPs, CIDRs, domains that match
/// themselves and their subdomains, `.domains` that match subdomains only,
/// each optionally with `:port`) names `host:port`.
pub fn excluded(list: &str, host: &str, port: u16) -> bool {
    let host = host.to_ascii_lowercase();
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some((network, bits)) = entry.split_once('/') {
                return in_cidr(&host, network, bits);
            }
            let (name, entry_port) = split_port(&entry);
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            if let Ok(ip) = name.parse::<IpAddr>() {
                return host.parse::<IpAddr>().is_ok_and(|h| h == ip);
            }
            match name.strip_prefix('.') {
                Some(domain) => host.ends_with(&format!(".{domain}")),
                None => host == name || host.ends_with(&format!(".{name}")),
            }
        })
}

fn split_port(entry: &str) -> (&str, Option<u16>) {
    if entry.parse::<IpAddr>().is_ok() {
        return (entry, None);
    }
    let entry = entry.trim_start_matches('[');
    match entry.rsplit_once(':') {
        Some((name, port)) => match port.parse() {
            Ok(port) => (name.trim_end_matches(']'), Some(port)),
            Err(_) => (entry, None),
        },
        None => (entry, None),
    }
}

fn in_cidr(host: &str, network: &str, bits: &str) -> bool {
    let (Ok(host), Ok(network), Ok(bits)) = (
        host.parse::<IpAddr>(),
        network.parse::<IpAddr>(),
        bits.parse::<u32>(),
    ) else {
        return false;
    };
    let mask = |width: u32| -> u128 {
        if bits == 0 {
            0
        } else {
            (!0u128) << (width - bits.min(width))
        }
    };
    match (host, network) {
        (IpAddr::V4(h), IpAddr::V4(n)) => {
            let m = mask(32) as u32;
            u32::from(h) & m == u32::from(n) & m
        }
        (IpAddr::V6(h), IpAddr::V6(n)) => {
            let m = mask(128);
            u128::from(h) & m == u128::from(n) & m
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(https: &str, no_proxy: &str) -> ProxyEnv {
        ProxyEnv {
            https: Some(https.into()),
            http: Some("http://plain-proxy:3128".into()),
            no_proxy: Some(no_proxy.into()),
        }
    }

    fn uri(text: &str) -> http::Uri {
        text.parse().unwrap()
    }

    #[test]
    fn the_kubeconfig_proxy_wins_even_for_this_machine() {
        let chosen = choose(
            &uri("https://127.0.0.1:6443"),
            Some("socks5://127.0.0.1:1080"),
            &env("http://proxy:3128", "*"),
        );
        assert_eq!(chosen.as_deref(), Some("socks5://127.0.0.1:1080"));
    }

    #[test]
    fn the_environment_proxy_follows_the_scheme_and_skips_this_machine() {
        let e = env("http://proxy:3128", "");
        assert_eq!(
            choose(&uri("https://kube.example:6443"), None, &e).as_deref(),
            Some("http://proxy:3128")
        );
        assert_eq!(
            choose(&uri("http://kube.example:8080"), None, &e).as_deref(),
            Some("http://plain-proxy:3128")
        );
        assert_eq!(choose(&uri("https://127.0.0.1:6443"), None, &e), None);
        assert_eq!(choose(&uri("https://localhost:6443"), None, &e), None);
        assert_eq!(choose(&uri("https://[::1]:6443"), None, &e), None);
    }

    #[test]
    fn no_proxy_names_domains_addresses_networks_and_ports() {
        let server = |host| uri(&format!("https://{host}:6443"));
        let proxied = |host, list| choose(&server(host), None, &env("http://p:1", list)).is_some();
        assert!(!proxied("kube.corp.example", "corp.example"));
        assert!(!proxied("corp.example", "corp.example"));
        assert!(!proxied("kube.corp.example", ".corp.example"));
        assert!(proxied("corp.example", ".corp.example"));
        assert!(proxied("other.example", "corp.example, .corp.example"));
        assert!(!proxied("10.1.2.3", "10.0.0.0/8"));
        assert!(proxied("11.1.2.3", "10.0.0.0/8"));
        assert!(!proxied("10.1.2.3", "10.1.2.3"));
        assert!(!proxied("kube.example", "kube.example:6443"));
        assert!(proxied("kube.example", "kube.example:443"));
        assert!(!proxied("anything.example", "*"));
        assert!(!proxied("KUBE.Example", "kube.example"));
    }
}
