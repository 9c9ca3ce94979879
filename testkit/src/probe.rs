//! Traffic probes between namespaces: does a TCP connection, a UDP datagram or a ping get
//! through, and what addresses did the two ends see?
//!
//! Each probe runs its sockets on short-lived threads that have entered the namespaces with
//! `setns(2)`; no external tool is involved. Every wait is bounded (see [`default_timeout`]),
//! and every thread has ended when the probe returns, whatever the outcome.
//!
//! What the outcomes mean, as checked against the kernel by this crate's own tests:
//!
//! | firewall does | [`TcpOutcome`] | [`UdpOutcome`] | [`PingOutcome`] |
//! |---|---|---|---|
//! | nothing, listener present | `Accepted` | `Delivered` | `Reply` |
//! | nothing, no listener | `Refused` | `Refused` | `Reply` |
//! | `-j DROP` | `TimedOut` | `Dropped` | `NoReply` |
//! | `-j REJECT` (port unreachable, the default) | `Refused` | `Refused` | `Unreachable` |
//! | `-j REJECT --reject-with tcp-reset` | `Refused` | — | — |
//! | `-j REJECT --reject-with icmp-host-prohibited` | `Unreachable` | `Unreachable` | `Unreachable` |

use std::io::{self, Read};
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU16, AtomicU8, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::netns::Netns;

/// How long a probe waits for an answer that does not come: 300 ms, or
/// `PYPTABLES_TESTKIT_TIMEOUT_MS` from the environment (for a heavily loaded machine).
///
/// Traffic between namespaces on one machine takes microseconds, so this only bounds how long
/// "blocked" takes to establish.
pub fn default_timeout() -> Duration {
    std::env::var("PYPTABLES_TESTKIT_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_millis(300))
}

/// Extra time a listener keeps going after the client is done, for a connection or datagram
/// that is already on its way.
const GRACE: Duration = Duration::from_millis(500);
const POLL: Duration = Duration::from_millis(2);

/// What a TCP connection attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOutcome {
    /// The three-way handshake completed.
    Accepted,
    /// A RST came back: nothing listens there, or `REJECT` (with `tcp-reset`, or the default
    /// ICMP port-unreachable, which the kernel reports the same way).
    Refused,
    /// An ICMP error other than port-unreachable came back (`REJECT --reject-with
    /// icmp-host-unreachable`, `icmp-net-unreachable`, `icmp-admin-prohibited`, …), or there
    /// is no route.
    Unreachable,
    /// Nothing came back within the timeout: the SYN (or its answer) was dropped.
    TimedOut,
}

/// What a UDP datagram came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpOutcome {
    /// The listener received it.
    Delivered,
    /// An ICMP port-unreachable came back: no listener, or `REJECT` with the default reply.
    Refused,
    /// Another ICMP error came back (e.g. `REJECT --reject-with icmp-host-prohibited`).
    Unreachable,
    /// The listener did not get it and nothing came back: dropped (or, when the sender's own
    /// OUTPUT chain drops it, refused by the local kernel).
    Dropped,
}

/// What an ICMP echo request (ping) came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingOutcome {
    /// An echo reply came back.
    Reply,
    /// An ICMP destination-unreachable about our request came back (e.g. `REJECT`).
    Unreachable,
    /// Nothing came back within the timeout.
    NoReply,
}

/// The full result of a [`Tcp`] probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpReport {
    /// What the client saw.
    pub outcome: TcpOutcome,
    /// The client's own address and port on the connection (after routing, before any NAT).
    pub client_local: Option<SocketAddr>,
    /// The peer address the listener saw: the client's address, or the NAT address when
    /// `SNAT`/`MASQUERADE` rewrote the source. `None` if the listener accepted nothing.
    pub server_saw_peer: Option<SocketAddr>,
    /// The local address the listener accepted the connection on: the destination the client
    /// actually reached, i.e. the `DNAT` target when the destination was rewritten.
    pub server_local: Option<SocketAddr>,
}

impl TcpReport {
    /// The source IP address the server saw, if the listener accepted a connection.
    pub fn source_seen(&self) -> Option<IpAddr> {
        self.server_saw_peer.map(|a| a.ip())
    }
}

/// The full result of a [`Udp`] probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpReport {
    /// What became of the datagram.
    pub outcome: UdpOutcome,
    /// The source address the listener saw (after any SNAT), if it got the datagram.
    pub server_saw_peer: Option<SocketAddr>,
    /// Whether the listener's echo came back to the client (the return path works too).
    pub answered: bool,
}

/// A TCP connection attempt from one namespace to another.
///
/// A listener is started in the target namespace first (unless [`no_listener`](Self::no_listener)),
/// so that "blocked" and "nobody listening" can be told apart.
///
/// ```no_run
/// use pyptables_testkit::{Netns, Tcp, TcpOutcome};
/// # fn demo(client: &Netns, server: &Netns) -> std::io::Result<()> {
/// // Client connects to the router's public address; DNAT should bring it to the server.
/// let report = Tcp::to("203.0.113.1:80".parse().unwrap())
///     .listen_on("0.0.0.0:8080".parse().unwrap())
///     .run(client, server)?;
/// assert_eq!(report.outcome, TcpOutcome::Accepted);
/// assert_eq!(report.server_local, Some("198.51.100.2:8080".parse().unwrap()));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Tcp {
    connect: SocketAddr,
    listen: Option<SocketAddr>,
    timeout: Duration,
}

impl Tcp {
    /// Connect to `addr`; listen on the unspecified address (`0.0.0.0`/`::`) with the same
    /// port, so that the listener also accepts a connection whose destination was rewritten.
    pub fn to(addr: SocketAddr) -> Tcp {
        let any = unspecified(addr.ip());
        Tcp {
            connect: addr,
            listen: Some(SocketAddr::new(any, addr.port())),
            timeout: default_timeout(),
        }
    }

    /// Listen on `addr` instead (e.g. the port a `DNAT` rule forwards to).
    pub fn listen_on(mut self, addr: SocketAddr) -> Tcp {
        self.listen = Some(addr);
        self
    }

    /// Start no listener: probe a closed port.
    pub fn no_listener(mut self) -> Tcp {
        self.listen = None;
        self
    }

    /// Wait at most `timeout` for the handshake.
    pub fn timeout(mut self, timeout: Duration) -> Tcp {
        self.timeout = timeout;
        self
    }

    /// Runs the probe: the client in `from`, the listener in `to`.
    pub fn run(&self, from: &Netns, to: &Netns) -> io::Result<TcpReport> {
        // 0: running, 1: client failed, stop now, 2: client connected, expect an accept.
        let state = AtomicU8::new(0);
        thread::scope(|s| {
            let server = self.listen.map(|listen| {
                let (ready_tx, ready_rx) = mpsc::channel();
                let state = &state;
                let timeout = self.timeout;
                let handle = s.spawn(move || serve_tcp(to, listen, timeout, ready_tx, state));
                (handle, ready_rx)
            });
            let mut server_handle = None;
            if let Some((handle, ready_rx)) = server {
                // The listener reports once it listens (or why it could not).
                match ready_rx.recv() {
                    Ok(Ok(())) => server_handle = Some(handle),
                    Ok(Err(e)) => {
                        let _ = handle.join();
                        return Err(e);
                    }
                    Err(_) => {
                        return Err(join_panicking(handle)
                            .err()
                            .unwrap_or_else(|| io::Error::other("listener ended early")))
                    }
                }
            }
            let client = s.spawn(|| -> io::Result<(TcpOutcome, Option<SocketAddr>)> {
                from.enter_current_thread()?;
                match connect(self.connect, self.timeout)? {
                    Ok(stream) => {
                        state.store(2, Ordering::SeqCst);
                        let local = stream.local_addr().ok();
                        // Wait for the listener to close, so both ends finish cleanly.
                        let _ = stream.set_read_timeout(Some(self.timeout));
                        let _ = (&stream).read(&mut [0u8; 16]);
                        Ok((TcpOutcome::Accepted, local))
                    }
                    Err(outcome) => {
                        state.store(1, Ordering::SeqCst);
                        Ok((outcome, None))
                    }
                }
            });
            let client = client.join();
            if state.load(Ordering::SeqCst) == 0 {
                // The client thread failed before connecting (e.g. setns); stop the listener.
                state.store(1, Ordering::SeqCst);
            }
            let served = match server_handle {
                Some(h) => join_panicking(h)?,
                None => None,
            };
            let (outcome, client_local) =
                client.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            Ok(TcpReport {
                outcome,
                client_local,
                server_saw_peer: served.map(|(peer, _)| peer),
                server_local: served.map(|(_, local)| local),
            })
        })
    }
}

/// Listens in `ns`; returns `(peer, local)` of the first accepted connection, if any.
fn serve_tcp(
    ns: &Netns,
    listen: SocketAddr,
    timeout: Duration,
    ready: mpsc::Sender<io::Result<()>>,
    state: &AtomicU8,
) -> io::Result<Option<(SocketAddr, SocketAddr)>> {
    let setup = ns.enter_current_thread().and_then(|()| {
        let listener = retry_in_use(|| TcpListener::bind(listen))?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    });
    let listener = match setup {
        Ok(l) => {
            let _ = ready.send(Ok(()));
            l
        }
        Err(e) => {
            let _ = ready.send(Err(io::Error::new(
                e.kind(),
                format!("listener on {listen} in {}: {e}", ns.name()),
            )));
            return Ok(None);
        }
    };
    let hard_deadline = Instant::now() + timeout + GRACE * 2;
    let mut grace_deadline: Option<Instant> = None;
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                let local = stream.local_addr()?;
                drop(stream);
                return Ok(Some((peer, local)));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        match state.load(Ordering::SeqCst) {
            1 => return Ok(None),
            2 => {
                let deadline = *grace_deadline.get_or_insert(now + GRACE);
                if now >= deadline {
                    return Ok(None);
                }
            }
            _ => {}
        }
        if now >= hard_deadline {
            return Ok(None);
        }
        thread::sleep(POLL);
    }
}

/// Connects to `addr`, waiting at most `timeout`: `Ok(Ok(stream))` when the handshake
/// completed, `Ok(Err(outcome))` when it did not.
///
/// Unlike `TcpStream::connect_timeout` this also looks at the socket's soft error when the
/// wait runs out. Between namespaces an ICMP error (e.g. from `REJECT`) can come back while
/// `connect(2)` itself is still sending the SYN and holds the socket; the kernel then records
/// it only as a soft error instead of failing the connection (seen with every IPv6 REJECT
/// here), and `SO_ERROR` is the way to read it.
fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<Result<TcpStream, TcpOutcome>> {
    let domain = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain socket(2) call; the result is checked before use.
    let fd = unsafe {
        libc::socket(
            domain,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    let (storage, len) = sockaddr(addr.ip(), addr.port());
    // SAFETY: `storage` is valid for `len` bytes.
    let rc = unsafe {
        libc::connect(
            socket.as_raw_fd(),
            (&storage as *const libc::sockaddr_storage).cast(),
            len,
        )
    };
    if rc != 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            return classify_connect_error(e).map(Err);
        }
        let deadline = Instant::now() + timeout;
        let ready = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            let mut pfd = libc::pollfd {
                fd: socket.as_raw_fd(),
                events: libc::POLLOUT,
                revents: 0,
            };
            let ms = left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
            // SAFETY: one valid pollfd.
            match unsafe { libc::poll(&mut pfd, 1, ms) } {
                n if n > 0 => break true,
                0 => continue,
                _ => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        };
        match so_error(&socket)? {
            0 if ready => {}
            0 => return Ok(Err(TcpOutcome::TimedOut)),
            errno => return classify_connect_error(io::Error::from_raw_os_error(errno)).map(Err),
        }
    }
    let stream = TcpStream::from(socket);
    stream.set_nonblocking(false)?;
    Ok(Ok(stream))
}

/// `SO_ERROR`: the pending error, or else the soft error, of a socket (and clears it).
fn so_error(socket: &OwnedFd) -> io::Result<i32> {
    let mut value: libc::c_int = 0;
    let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` is a valid c_int for `len` bytes.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(value)
    } else {
        Err(io::Error::last_os_error())
    }
}

fn classify_connect_error(e: io::Error) -> io::Result<TcpOutcome> {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => Ok(TcpOutcome::Refused),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Ok(TcpOutcome::TimedOut),
        _ => match e.raw_os_error() {
            Some(libc::EHOSTUNREACH | libc::ENETUNREACH | libc::EACCES | libc::EPERM) => {
                Ok(TcpOutcome::Unreachable)
            }
            _ => Err(e),
        },
    }
}

/// A UDP datagram from one namespace to a listener in another, which echoes it back.
#[derive(Debug, Clone)]
pub struct Udp {
    send_to: SocketAddr,
    listen: Option<SocketAddr>,
    timeout: Duration,
}

impl Udp {
    /// Send to `addr`; listen on the unspecified address with the same port.
    pub fn to(addr: SocketAddr) -> Udp {
        Udp {
            send_to: addr,
            listen: Some(SocketAddr::new(unspecified(addr.ip()), addr.port())),
            timeout: default_timeout(),
        }
    }

    /// Listen on `addr` instead.
    pub fn listen_on(mut self, addr: SocketAddr) -> Udp {
        self.listen = Some(addr);
        self
    }

    /// Start no listener: probe a closed port.
    pub fn no_listener(mut self) -> Udp {
        self.listen = None;
        self
    }

    /// Wait at most `timeout` for delivery or an answer.
    pub fn timeout(mut self, timeout: Duration) -> Udp {
        self.timeout = timeout;
        self
    }

    /// Runs the probe: the sender in `from`, the listener in `to`.
    pub fn run(&self, from: &Netns, to: &Netns) -> io::Result<UdpReport> {
        static TOKEN: AtomicU16 = AtomicU16::new(1);
        let token = format!(
            "pyptables-testkit {} {}",
            std::process::id(),
            TOKEN.fetch_add(1, Ordering::Relaxed)
        );
        // 0: running, 1: sender is done.
        let state = AtomicU8::new(0);
        thread::scope(|s| {
            let mut server_handle = None;
            if let Some(listen) = self.listen {
                let (ready_tx, ready_rx) = mpsc::channel();
                let (state, token, timeout) = (&state, token.as_bytes(), self.timeout);
                let handle =
                    s.spawn(move || serve_udp(to, listen, timeout, token, ready_tx, state));
                match ready_rx.recv() {
                    Ok(Ok(())) => server_handle = Some(handle),
                    Ok(Err(e)) => {
                        let _ = handle.join();
                        return Err(e);
                    }
                    Err(_) => {
                        return Err(join_panicking(handle)
                            .err()
                            .unwrap_or_else(|| io::Error::other("listener ended early")))
                    }
                }
            }
            let client = s.spawn(|| -> io::Result<(Option<UdpOutcome>, bool)> {
                let result = send_udp(from, self.send_to, token.as_bytes(), self.timeout);
                state.store(1, Ordering::SeqCst);
                result
            });
            let client = client.join();
            state.store(1, Ordering::SeqCst);
            let served = match server_handle {
                Some(h) => join_panicking(h)?,
                None => None,
            };
            let (client_outcome, answered) =
                client.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            let outcome = if served.is_some() {
                UdpOutcome::Delivered
            } else {
                client_outcome.unwrap_or(UdpOutcome::Dropped)
            };
            Ok(UdpReport {
                outcome,
                server_saw_peer: served,
                answered,
            })
        })
    }
}

/// Sends `token` and waits for the echo. Returns an outcome only when the client can tell on
/// its own (an ICMP error came back), and whether the echo arrived.
fn send_udp(
    ns: &Netns,
    to: SocketAddr,
    token: &[u8],
    timeout: Duration,
) -> io::Result<(Option<UdpOutcome>, bool)> {
    ns.enter_current_thread()?;
    let socket = UdpSocket::bind(SocketAddr::new(unspecified(to.ip()), 0))?;
    socket.connect(to)?;
    if let Err(e) = socket.send(token) {
        // The sender's own OUTPUT chain dropped or rejected it.
        return match e.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => Ok((Some(UdpOutcome::Dropped), false)),
            _ => Err(e),
        };
    }
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok((None, false));
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv(&mut buf) {
            Ok(n) if &buf[..n] == token => return Ok((None, true)),
            Ok(_) => continue,
            Err(e) => {
                return match e.kind() {
                    io::ErrorKind::ConnectionRefused => Ok((Some(UdpOutcome::Refused), false)),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Ok((None, false)),
                    _ => match e.raw_os_error() {
                        Some(libc::EHOSTUNREACH | libc::ENETUNREACH | libc::EACCES) => {
                            Ok((Some(UdpOutcome::Unreachable), false))
                        }
                        _ => Err(e),
                    },
                }
            }
        }
    }
}

/// Listens in `ns` for `token`, echoes it, and returns the source it came from.
fn serve_udp(
    ns: &Netns,
    listen: SocketAddr,
    timeout: Duration,
    token: &[u8],
    ready: mpsc::Sender<io::Result<()>>,
    state: &AtomicU8,
) -> io::Result<Option<SocketAddr>> {
    let setup = ns.enter_current_thread().and_then(|()| {
        let socket = retry_in_use(|| UdpSocket::bind(listen))?;
        socket.set_read_timeout(Some(POLL * 5))?;
        Ok(socket)
    });
    let socket = match setup {
        Ok(s) => {
            let _ = ready.send(Ok(()));
            s
        }
        Err(e) => {
            let _ = ready.send(Err(io::Error::new(
                e.kind(),
                format!("listener on {listen} in {}: {e}", ns.name()),
            )));
            return Ok(None);
        }
    };
    let hard_deadline = Instant::now() + timeout + GRACE * 2;
    let mut buf = [0u8; 256];
    loop {
        let done = state.load(Ordering::SeqCst) == 1;
        match socket.recv_from(&mut buf) {
            Ok((n, peer)) if &buf[..n] == token => {
                let _ = socket.send_to(token, peer);
                return Ok(Some(peer));
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            // An ICMP error for an earlier send; nothing to do with this probe.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(e),
        }
        // `done` was read before the last receive, so a datagram already queued when the
        // sender finished has been looked at.
        if done || Instant::now() >= hard_deadline {
            return Ok(None);
        }
    }
}

/// An ICMP echo request (ping) from one namespace, over a raw socket.
#[derive(Debug, Clone)]
pub struct Ping {
    to: IpAddr,
    timeout: Duration,
}

impl Ping {
    /// Ping `addr` (IPv4 or IPv6).
    pub fn to(addr: IpAddr) -> Ping {
        Ping {
            to: addr,
            timeout: default_timeout(),
        }
    }

    /// Wait at most `timeout` for the reply.
    pub fn timeout(mut self, timeout: Duration) -> Ping {
        self.timeout = timeout;
        self
    }

    /// Sends one echo request from `from` and waits for the reply.
    pub fn run(&self, from: &Netns) -> io::Result<PingOutcome> {
        static IDENT: AtomicU16 = AtomicU16::new(0);
        // Raw sockets are per namespace, so the identifier only has to be unique within one.
        let ident = (std::process::id() as u16) ^ IDENT.fetch_add(1, Ordering::Relaxed);
        let (to, timeout) = (self.to, self.timeout);
        from.run(move || ping(to, ident, timeout))?
    }
}

const ECHO_PAYLOAD: &[u8] = b"pyptables-testkit";

fn ping(to: IpAddr, ident: u16, timeout: Duration) -> io::Result<PingOutcome> {
    let (domain, proto) = match to {
        IpAddr::V4(_) => (libc::AF_INET, libc::IPPROTO_ICMP),
        IpAddr::V6(_) => (libc::AF_INET6, libc::IPPROTO_ICMPV6),
    };
    // SAFETY: plain socket(2) call; the result is checked before use.
    let fd = unsafe { libc::socket(domain, libc::SOCK_RAW | libc::SOCK_CLOEXEC, proto) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };

    let seq: u16 = 1;
    let mut packet = Vec::with_capacity(8 + ECHO_PAYLOAD.len());
    let echo_request = if to.is_ipv4() { 8 } else { 128 };
    packet.extend_from_slice(&[echo_request, 0, 0, 0]);
    packet.extend_from_slice(&ident.to_be_bytes());
    packet.extend_from_slice(&seq.to_be_bytes());
    packet.extend_from_slice(ECHO_PAYLOAD);
    if to.is_ipv4() {
        // The kernel fills in the ICMPv6 checksum itself, but not the ICMPv4 one.
        let sum = checksum(&packet);
        packet[2..4].copy_from_slice(&sum.to_be_bytes());
    }

    let (storage, len) = sockaddr(to, 0);
    // SAFETY: `packet` and `storage` are valid for the lengths given.
    let sent = unsafe {
        libc::sendto(
            socket.as_raw_fd(),
            packet.as_ptr().cast(),
            packet.len(),
            0,
            (&storage as *const libc::sockaddr_storage).cast(),
            len,
        )
    };
    if sent < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            // The sender's own OUTPUT chain dropped it.
            Some(libc::EPERM) => Ok(PingOutcome::NoReply),
            Some(libc::EHOSTUNREACH | libc::ENETUNREACH | libc::EACCES) => {
                Ok(PingOutcome::Unreachable)
            }
            _ => Err(e),
        };
    }

    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 1500];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(PingOutcome::NoReply);
        }
        set_recv_timeout(&socket, left)?;
        let mut from: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let mut from_len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        // SAFETY: `buf` and `from` are valid for the lengths given.
        let n = unsafe {
            libc::recvfrom(
                socket.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                (&mut from as *mut libc::sockaddr_storage).cast(),
                &mut from_len,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                    return Ok(PingOutcome::NoReply)
                }
                io::ErrorKind::Interrupted => continue,
                _ => return Err(e),
            }
        }
        let data = &buf[..n as usize];
        let verdict = if to.is_ipv4() {
            match_icmp4(data, to, ident, seq)
        } else {
            match_icmp6(data, ident, seq)
        };
        if let Some(outcome) = verdict {
            return Ok(outcome);
        }
    }
}

/// IPv4 raw sockets deliver the IP header too.
fn match_icmp4(data: &[u8], to: IpAddr, ident: u16, seq: u16) -> Option<PingOutcome> {
    let ihl = usize::from(data.first()? & 0x0f) * 4;
    let source = IpAddr::V4(Ipv4Addr::new(data[12], data[13], data[14], data[15]));
    let icmp = data.get(ihl..)?;
    match icmp.first()? {
        0 if source == to && is_our_echo(icmp, ident, seq) => Some(PingOutcome::Reply),
        3 => {
            // Destination unreachable: the offending IP header and 8 bytes follow.
            let inner = icmp.get(8..)?;
            let inner_ihl = usize::from(inner.first()? & 0x0f) * 4;
            let echo = inner.get(inner_ihl..)?;
            (echo.first() == Some(&8) && is_our_echo(echo, ident, seq))
                .then_some(PingOutcome::Unreachable)
        }
        _ => None,
    }
}

/// IPv6 raw ICMPv6 sockets deliver only the ICMPv6 message.
fn match_icmp6(icmp: &[u8], ident: u16, seq: u16) -> Option<PingOutcome> {
    match icmp.first()? {
        129 if is_our_echo(icmp, ident, seq) => Some(PingOutcome::Reply),
        1 => {
            // Destination unreachable: the offending IPv6 header (40 bytes) follows.
            let echo = icmp.get(8 + 40..)?;
            (echo.first() == Some(&128) && is_our_echo(echo, ident, seq))
                .then_some(PingOutcome::Unreachable)
        }
        _ => None,
    }
}

fn is_our_echo(icmp: &[u8], ident: u16, seq: u16) -> bool {
    icmp.len() >= 8 && icmp[4..6] == ident.to_be_bytes() && icmp[6..8] == seq.to_be_bytes()
}

/// The Internet checksum (RFC 1071).
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// `addr:port` as a `sockaddr_storage` and its length, for `bind`, `connect` and `sendto` on a
/// raw socket a test drives itself.
pub fn sockaddr(addr: IpAddr, port: u16) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        IpAddr::V4(a) => {
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr.
            let sin = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = port.to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(a.octets());
            mem::size_of::<libc::sockaddr_in>()
        }
        IpAddr::V6(a) => {
            // SAFETY: as above.
            let sin6 = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = port.to_be();
            sin6.sin6_addr.s6_addr = a.octets();
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn set_recv_timeout(socket: &OwnedFd, timeout: Duration) -> io::Result<()> {
    // A zero timeval would mean "block forever".
    let timeout = timeout.max(Duration::from_millis(1));
    let tv = libc::timeval {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_usec: timeout.subsec_micros() as libc::suseconds_t,
    };
    // SAFETY: `tv` is a valid timeval for the length given.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn unspecified(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// Binds, retrying for a moment while the address is in use.
///
/// Tests run in parallel threads of one process, and a process started by another test
/// (`fork` before `exec`) briefly holds a copy of every open descriptor, so the previous
/// probe's listener on the same port may outlive its `close` by a little.
fn retry_in_use<T>(mut bind: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    let deadline = Instant::now() + GRACE;
    loop {
        match bind() {
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && Instant::now() < deadline => {
                thread::sleep(POLL * 5);
            }
            result => return result,
        }
    }
}

/// Joins a scoped thread, passing a panic on.
fn join_panicking<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071 section 3: the sum of these words is 0xddf2, so the checksum is !0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
        // A packet with its checksum filled in sums to zero.
        let mut echo = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1, b'x'];
        let sum = checksum(&echo);
        echo[2..4].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(checksum(&echo), 0);
    }

    #[test]
    fn recognises_replies_and_errors_for_our_echo_only() {
        let to: IpAddr = "192.0.2.1".parse().unwrap();
        let mut reply = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
        ];
        reply.extend_from_slice(&[0, 0, 0, 0, 0x12, 0x34, 0, 1]);
        assert_eq!(match_icmp4(&reply, to, 0x1234, 1), Some(PingOutcome::Reply));
        assert_eq!(match_icmp4(&reply, to, 0x4321, 1), None);

        let mut unreachable = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
        ];
        unreachable.extend_from_slice(&[3, 3, 0, 0, 0, 0, 0, 0]);
        unreachable.extend_from_slice(&[
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1,
        ]);
        unreachable.extend_from_slice(&[8, 0, 0, 0, 0x12, 0x34, 0, 1]);
        assert_eq!(
            match_icmp4(&unreachable, to, 0x1234, 1),
            Some(PingOutcome::Unreachable)
        );

        let mut reply6 = vec![129, 0, 0, 0, 0x12, 0x34, 0, 1];
        assert_eq!(match_icmp6(&reply6, 0x1234, 1), Some(PingOutcome::Reply));
        reply6[0] = 135; // neighbour solicitation
        assert_eq!(match_icmp6(&reply6, 0x1234, 1), None);
    }
}
