//! Packet-header matches with real packets: ESP with one SPI is dropped by `-m esp --espspi`
//! while another SPI passes (IPv4 and IPv6); an IPv6 datagram whose first fragment is
//! dropped by `-m frag --fragfirst` never arrives while an unfragmented one does; and
//! `-m hbh --hbh-len 8` drops datagrams whose hop-by-hop header is 8 bytes long (the length is
//! in bytes, not nft's 8-byte units), not those with a 16-byte one or none.
//!
//! ```text
//! client 192.0.2.2 / 2001:db8:2::2 ── host 192.0.2.1 / 2001:db8:2::1
//! ```
//!
//! The client sends ESP packets through a raw socket; a raw ESP socket in the host sees those
//! that INPUT lets through (raw sockets get their copy after the INPUT hook).
//!
//! Needs root and iptables (nft and legacy): `cargo test --test behaviour_packet_headers --
//! --include-ignored`.

mod behaviour_support;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use behaviour_support::{apply, on_both_backends, run_name};
use pyptables::{Family, Match, Rule, Table, Tables};
use pyptables_testkit::{Backend, Topology};

const HOST_V4: &str = "192.0.2.1";
const HOST_V6: &str = "2001:db8:2::1";

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A raw socket of protocol `proto` for `family`'s addresses, non-blocking.
fn raw_socket(v6: bool, proto: libc::c_int) -> libc::c_int {
    let domain = if v6 { libc::AF_INET6 } else { libc::AF_INET };
    // SAFETY: a plain socket call; the descriptor is closed by the caller.
    let fd = unsafe { libc::socket(domain, libc::SOCK_RAW | libc::SOCK_NONBLOCK, proto) };
    assert!(fd >= 0, "raw socket: {}", std::io::Error::last_os_error());
    fd
}

/// Sends one ESP packet with `spi` (and a sequence number and some bytes) to `to`.
fn send_esp(fd: libc::c_int, to: IpAddr, spi: u32) {
    let mut payload = spi.to_be_bytes().to_vec();
    payload.extend_from_slice(&1u32.to_be_bytes());
    payload.extend_from_slice(&[0xab; 24]);
    let (sa, len) = pyptables_testkit::probe::sockaddr(to, 0);
    // SAFETY: `payload` and `sa` outlive the call; the lengths are theirs.
    let sent = unsafe {
        libc::sendto(
            fd,
            payload.as_ptr().cast(),
            payload.len(),
            0,
            (&sa as *const libc::sockaddr_storage).cast(),
            len,
        )
    };
    assert_eq!(
        sent,
        payload.len() as isize,
        "sendto: {}",
        std::io::Error::last_os_error()
    );
}

/// The SPIs of the ESP packets `fd` receives within `wait`.
fn received_spis(fd: libc::c_int, v6: bool, wait: Duration) -> Vec<u32> {
    let mut out = Vec::new();
    let until = Instant::now() + wait;
    let mut buf = [0u8; 2048];
    while Instant::now() < until {
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        let packet = &buf[..n as usize];
        // An IPv4 raw socket gets the IP header too; an IPv6 one only the payload.
        let esp = if v6 {
            packet
        } else {
            &packet[usize::from(packet[0] & 0x0f) * 4..]
        };
        out.push(u32::from_be_bytes([esp[0], esp[1], esp[2], esp[3]]));
    }
    out
}

/// INPUT drops ESP with SPI 5 (and, for IPv6, first fragments), in both families.
fn rules(family: Family) -> Tables {
    let mut tables = Tables::new(family);
    let filter = tables.add(Table::with_builtin_chains("filter").unwrap());
    filter["INPUT"].push(
        Rule::new()
            .proto("esp")
            .with_match(Match::new("esp").opt("espspi", "5"))
            .drop(),
    );
    if family == Family::V6 {
        filter["INPUT"].push(
            Rule::new()
                .with_match(Match::new("frag").flag("fragfirst"))
                .drop(),
        );
        filter["INPUT"].push(
            Rule::new()
                .with_match(Match::new("hbh").opt("hbh-len", "8"))
                .drop(),
        );
    }
    tables
}

fn esp_spi_and_fragments(b: Backend) {
    let net = Topology::single_host(&format!("pkt_headers_{b}")).unwrap();
    apply(&net, "host", b, &rules(Family::V4));
    apply(&net, "host", b, &rules(Family::V6));
    let run = run_name(b);

    for (v6, to) in [(false, HOST_V4), (true, HOST_V6)] {
        let rx = net
            .ns("host")
            .run(move || raw_socket(v6, libc::IPPROTO_ESP))
            .unwrap();
        net.ns("client")
            .run(move || {
                let tx = raw_socket(v6, libc::IPPROTO_ESP);
                for spi in [5, 6, 5, 7] {
                    send_esp(tx, addr(to), spi);
                }
                // SAFETY: closes the descriptor made above.
                unsafe { libc::close(tx) };
            })
            .unwrap();
        let seen = received_spis(rx, v6, Duration::from_millis(500));
        // SAFETY: closes the descriptor made above.
        unsafe { libc::close(rx) };
        assert_eq!(
            seen,
            [6, 7],
            "{run}: ESP to {to}: SPI 5 must be dropped by -m esp --espspi 5, the others pass"
        );
    }

    // IPv6 fragments: 3000 bytes on a 1500-byte link leave in three fragments; INPUT drops
    // the first, so the datagram cannot be put together. A small one arrives.
    let listener: SocketAddr = format!("[{HOST_V6}]:4000").parse().unwrap();
    let rx = net
        .ns("host")
        .run(move || UdpSocket::bind(listener).unwrap())
        .unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    for (size, arrives) in [(100, true), (3000, false), (200, true)] {
        net.ns("client")
            .run(move || {
                let tx = UdpSocket::bind("[2001:db8:2::2]:0").unwrap();
                tx.send_to(&vec![0x5a; size], listener).unwrap();
            })
            .unwrap();
        let mut buf = [0u8; 4096];
        let got = rx.recv(&mut buf).ok();
        assert_eq!(
            got.is_some(),
            arrives,
            "{run}: a {size}-byte UDP datagram to {listener}: {} expected (-m frag --fragfirst \
             drops first fragments), got {got:?}",
            if arrives { "delivery" } else { "no delivery" }
        );
        if let Some(n) = got {
            assert_eq!(n, size, "{run}: the datagram arrived whole");
        }
    }
}

/// Sends a small UDP datagram from the client to `to`, with a hop-by-hop header of `hbh`
/// bytes (0: none) filled by one option of experimental type 0x1e, which a receiver skips
/// (Linux refuses more than 7 bytes of padding, so PadN cannot fill 16 bytes).
fn send_with_hbh(net: &Topology, to: SocketAddr, hbh: usize) {
    net.ns("client")
        .run(move || {
            let tx = UdpSocket::bind("[2001:db8:2::2]:0").unwrap();
            if hbh > 0 {
                // Next header (filled in by the kernel), length in 8-byte units less one,
                // then the option over the rest.
                let mut header = vec![0u8; hbh];
                header[1] = (hbh / 8 - 1) as u8;
                header[2] = 0x1e;
                header[3] = (hbh - 4) as u8;
                // SAFETY: `header` outlives the call; the length is its own.
                let rc = unsafe {
                    libc::setsockopt(
                        std::os::fd::AsRawFd::as_raw_fd(&tx),
                        libc::IPPROTO_IPV6,
                        libc::IPV6_HOPOPTS,
                        header.as_ptr().cast(),
                        header.len() as libc::socklen_t,
                    )
                };
                assert_eq!(rc, 0, "IPV6_HOPOPTS: {}", std::io::Error::last_os_error());
            }
            tx.send_to(b"hbh", to).unwrap();
        })
        .unwrap();
}

fn hop_by_hop_length_in_bytes(b: Backend) {
    let net = Topology::single_host(&format!("pkt_hbh_{b}")).unwrap();
    apply(&net, "host", b, &rules(Family::V6));
    let run = run_name(b);
    let listener: SocketAddr = format!("[{HOST_V6}]:4001").parse().unwrap();
    let rx = net
        .ns("host")
        .run(move || UdpSocket::bind(listener).unwrap())
        .unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    for (hbh, arrives) in [(0, true), (8, false), (16, true)] {
        send_with_hbh(&net, listener, hbh);
        let mut buf = [0u8; 64];
        let got = rx.recv(&mut buf).ok();
        assert_eq!(
            got.is_some(),
            arrives,
            "{run}: a datagram with a {hbh}-byte hop-by-hop header (0: none): -m hbh --hbh-len 8 \
             drops exactly the 8-byte ones"
        );
    }
}

on_both_backends!(esp_spi_and_fragments, hop_by_hop_length_in_bytes);
