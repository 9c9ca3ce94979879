//! Kernel objects some extensions refer to by name, made in a test namespace: a rate
//! estimator for `-m rateest`, an accounting object for `-m nfacct`.

use crate::{Backend, Family, Netns};

/// Makes the RATEEST estimator `name` in `ns` for rules loaded with `backend`.
///
/// An estimator lives as long as the rule that made it, so that rule goes into the *other*
/// backend's raw table, which restores with `backend` never replace (estimators belong to the
/// namespace, not to a backend).
pub fn rate_estimator(ns: &Netns, backend: Backend, name: &str) -> Result<String, String> {
    let other = match backend {
        Backend::Nft => Backend::Legacy,
        Backend::Legacy => Backend::Nft,
    };
    ns.exec_ok(
        other.iptables_bin(Family::V4),
        &[
            "-t",
            "raw",
            "-A",
            "PREROUTING",
            "-s",
            "192.0.2.254",
            "-j",
            "RATEEST",
            "--rateest-name",
            name,
            "--rateest-interval",
            "250ms",
            "--rateest-ewmalog",
            "1s",
        ],
    )
}

/// `nfacct add NAME` (the nfacct tool is not installed): one nfnetlink message,
/// NFNL_SUBSYS_ACCT / NFNL_MSG_ACCT_NEW with the NFACCT_NAME attribute, in the calling
/// thread's namespace.
pub fn nfacct_add(name: &str) -> std::io::Result<()> {
    const NETLINK_NETFILTER: i32 = 12;
    const NFNL_SUBSYS_ACCT: u16 = 7;
    const NFNL_MSG_ACCT_NEW: u16 = 0;
    const NFACCT_NAME: u16 = 1;
    let mut attr = name.as_bytes().to_vec();
    attr.push(0);
    let attr_len = 4 + attr.len();
    let padded = attr_len.div_ceil(4) * 4;
    let total = 16 + 4 + padded;
    let mut msg = Vec::with_capacity(total);
    msg.extend_from_slice(&(total as u32).to_ne_bytes());
    msg.extend_from_slice(&((NFNL_SUBSYS_ACCT << 8) | NFNL_MSG_ACCT_NEW).to_ne_bytes());
    let flags = (libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE) as u16;
    msg.extend_from_slice(&flags.to_ne_bytes());
    msg.extend_from_slice(&1u32.to_ne_bytes()); // sequence
    msg.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel's
    msg.extend_from_slice(&[libc::AF_UNSPEC as u8, 0, 0, 0]); // nfgenmsg, version 0
    msg.extend_from_slice(&(attr_len as u16).to_ne_bytes());
    msg.extend_from_slice(&NFACCT_NAME.to_ne_bytes());
    msg.extend_from_slice(&attr);
    msg.resize(total, 0);
    // SAFETY: plain socket calls on a descriptor owned here and closed before returning;
    // the buffers outlive the calls that read and write them.
    unsafe {
        let fd = libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, NETLINK_NETFILTER);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let sent = libc::send(fd, msg.as_ptr().cast(), msg.len(), 0);
        let mut reply = [0u8; 256];
        let got = if sent < 0 {
            -1
        } else {
            libc::recv(fd, reply.as_mut_ptr().cast(), reply.len(), 0)
        };
        let err = std::io::Error::last_os_error();
        libc::close(fd);
        if got < 20 {
            return Err(err);
        }
        // The acknowledgement: NLMSG_ERROR whose error code is 0.
        let code = i32::from_ne_bytes(reply[16..20].try_into().unwrap());
        // EBUSY: it exists already (the probe namespace makes it once per backend).
        if code != 0 && -code != libc::EBUSY {
            return Err(std::io::Error::from_raw_os_error(-code));
        }
    }
    Ok(())
}
