//! A small rtnetlink client: one request at a time, each acknowledged by the kernel.

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL,
    NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{
    AfSpecBridge, BridgeVlanInfo, BridgeVlanInfoFlags, InfoBridge, InfoData, InfoIpVlan, InfoKind,
    InfoMacVlan, InfoVeth, InfoVlan, IpVlanFlags, IpVlanMode, LinkAttribute, LinkFlags, LinkInfo,
    LinkMessage, MacVlanMode,
};
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use std::net::IpAddr;
use std::os::fd::{AsRawFd, BorrowedFd};

/// A route netlink socket of the calling process's network namespace.
pub struct Netlink {
    socket: Socket,
    seq: u32,
}

type R<T> = Result<T, String>;

/// Whether a netlink error (from `request`) carries this errno. The number, not the text:
/// libcs word their messages differently (EOPNOTSUPP: "Operation not supported" in glibc,
/// "Not supported" in musl).
pub fn failed_with(error: &str, errno: i32) -> bool {
    error.ends_with(&format!("(os error {errno})"))
}

impl Netlink {
    pub fn open() -> R<Netlink> {
        let mut socket = Socket::new(NETLINK_ROUTE).map_err(|e| format!("netlink socket: {e}"))?;
        socket
            .bind_auto()
            .map_err(|e| format!("netlink bind: {e}"))?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(|e| format!("netlink connect: {e}"))?;
        Ok(Netlink { socket, seq: 0 })
    }

    /// Send one request and wait for its answer: the messages it returns (a get), or the
    /// kernel's acknowledgement.
    fn request(
        &mut self,
        what: &str,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> R<Vec<RouteNetlinkMessage>> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = self.seq;
        let mut message = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        message.finalize();
        let mut buf = vec![0u8; message.buffer_len()];
        message.serialize(&mut buf);
        self.socket
            .send(&buf, 0)
            .map_err(|e| format!("{what}: netlink send: {e}"))?;
        let mut answers = Vec::new();
        // Received into spare capacity: only the pages an answer fills get touched.
        let mut rbuf: Vec<u8> = Vec::with_capacity(64 * 1024);
        loop {
            rbuf.clear();
            self.socket
                .recv(&mut rbuf, 0)
                .map_err(|e| format!("{what}: netlink receive: {e}"))?;
            let n = rbuf.len();
            let mut offset = 0;
            while offset < n {
                let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&rbuf[offset..n])
                    .map_err(|e| format!("{what}: bad netlink answer: {e}"))?;
                let len = reply.header.length as usize;
                if reply.header.sequence_number == self.seq {
                    match reply.payload {
                        NetlinkPayload::Error(e) => {
                            return match e.code {
                                None => Ok(answers),
                                Some(code) => Err(format!(
                                    "{what}: {}",
                                    std::io::Error::from_raw_os_error(-code.get())
                                )),
                            };
                        }
                        NetlinkPayload::Done(_) => return Ok(answers),
                        NetlinkPayload::InnerMessage(m) => answers.push(m),
                        _ => {}
                    }
                }
                if len == 0 {
                    break;
                }
                offset += len;
            }
        }
    }

    /// The index of the link named `name`, if there is one.
    pub fn link_index(&mut self, name: &str) -> R<Option<u32>> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        match self.request(
            &format!("look up {name}"),
            RouteNetlinkMessage::GetLink(msg),
            NLM_F_ACK,
        ) {
            Ok(answers) => Ok(answers.into_iter().find_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) => Some(l.header.index),
                _ => None,
            })),
            Err(e) if failed_with(&e, libc::ENODEV) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The name and MTU of link `index`.
    pub fn link_name_mtu(&mut self, index: u32) -> R<(String, Option<u32>)> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        let answers = self.request(
            &format!("look up link {index}"),
            RouteNetlinkMessage::GetLink(msg),
            NLM_F_ACK,
        )?;
        let link = answers
            .into_iter()
            .find_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) => Some(l),
                _ => None,
            })
            .ok_or_else(|| format!("no link {index}"))?;
        let mut name = String::new();
        let mut mtu = None;
        for attr in link.attributes {
            match attr {
                LinkAttribute::IfName(n) => name = n,
                LinkAttribute::Mtu(m) => mtu = Some(m),
                _ => {}
            }
        }
        Ok((name, mtu))
    }

    fn new_link(&mut self, what: &str, msg: LinkMessage) -> R<()> {
        self.request(
            what,
            RouteNetlinkMessage::NewLink(msg),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
        .map(drop)
    }

    /// A bridge (for `lxc-net` and tests).
    pub fn create_bridge(&mut self, name: &str) -> R<()> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.into()));
        msg.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Bridge),
            LinkInfo::Data(InfoData::Bridge(Vec::<InfoBridge>::new())),
        ]));
        self.new_link(&format!("create bridge {name}"), msg)
    }

    /// A veth pair: `host` here, `peer` created straight in the network namespace `netns`.
    /// `queues`: the (rx, tx) queue counts of both ends, when given.
    pub fn create_veth(
        &mut self,
        (host, peer): (&str, &str),
        netns: BorrowedFd<'_>,
        queues: (Option<u32>, Option<u32>),
    ) -> R<()> {
        let queue_attrs = || {
            let rx = queues.0.map(LinkAttribute::NumRxQueues);
            let tx = queues.1.map(LinkAttribute::NumTxQueues);
            rx.into_iter().chain(tx)
        };
        let mut peer_msg = LinkMessage::default();
        peer_msg.attributes.push(LinkAttribute::IfName(peer.into()));
        peer_msg
            .attributes
            .push(LinkAttribute::NetNsFd(netns.as_raw_fd()));
        peer_msg.attributes.extend(queue_attrs());
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(host.into()));
        msg.attributes.extend(queue_attrs());
        msg.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Veth),
            LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer_msg))),
        ]));
        self.new_link(&format!("create veth {host}/{peer}"), msg)
    }

    /// An ipvlan on `parent` (here), created straight in the network namespace `netns`.
    /// `mode`: l2, l3 or l3s; `isolation`: bridge, private or vepa.
    pub fn create_ipvlan(
        &mut self,
        name: &str,
        parent: u32,
        (mode, isolation): (&str, &str),
        netns: BorrowedFd<'_>,
    ) -> R<()> {
        let mode = match mode {
            "l2" => IpVlanMode::L2,
            "l3s" => IpVlanMode::L3S,
            _ => IpVlanMode::L3,
        };
        let flags = match isolation {
            "private" => IpVlanFlags::Private,
            "vepa" => IpVlanFlags::Vepa,
            _ => IpVlanFlags::empty(),
        };
        let data = InfoData::IpVlan(vec![InfoIpVlan::Mode(mode), InfoIpVlan::Flags(flags)]);
        self.new_link_on(name, parent, (InfoKind::IpVlan, data), netns)
    }

    /// An 802.1Q vlan `id` on `parent` (here), created straight in the namespace `netns`.
    pub fn create_vlan(
        &mut self,
        name: &str,
        parent: u32,
        id: u16,
        netns: BorrowedFd<'_>,
    ) -> R<()> {
        let data = InfoData::Vlan(vec![InfoVlan::Id(id)]);
        self.new_link_on(name, parent, (InfoKind::Vlan, data), netns)
    }

    /// A macvlan on `parent` (here), created straight in the network namespace `netns`.
    /// `mode`: private, vepa, bridge or passthru.
    pub fn create_macvlan(
        &mut self,
        name: &str,
        parent: u32,
        mode: &str,
        netns: BorrowedFd<'_>,
    ) -> R<()> {
        let mode = match mode {
            "private" => MacVlanMode::Private,
            "vepa" => MacVlanMode::Vepa,
            "passthru" => MacVlanMode::Passthrough,
            _ => MacVlanMode::Bridge,
        };
        let data = InfoData::MacVlan(vec![InfoMacVlan::Mode(mode)]);
        self.new_link_on(name, parent, (InfoKind::MacVlan, data), netns)
    }

    /// A link of `kind` on `parent` (here), created straight in the namespace `netns`.
    fn new_link_on(
        &mut self,
        name: &str,
        parent: u32,
        (kind, data): (InfoKind, InfoData),
        netns: BorrowedFd<'_>,
    ) -> R<()> {
        let what = format!("create {kind} {name}");
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.into()));
        msg.attributes.push(LinkAttribute::Link(parent));
        msg.attributes
            .push(LinkAttribute::NetNsFd(netns.as_raw_fd()));
        msg.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(kind),
            LinkInfo::Data(data),
        ]));
        self.new_link(&what, msg)
    }

    fn set_link(&mut self, what: &str, index: u32, attrs: Vec<LinkAttribute>, up: bool) -> R<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        if up {
            msg.header.flags = LinkFlags::Up;
            msg.header.change_mask = LinkFlags::Up;
        }
        msg.attributes = attrs;
        self.request(what, RouteNetlinkMessage::SetLink(msg), NLM_F_ACK)
            .map(drop)
    }

    /// Move a link into the network namespace `netns`, renamed to `name` there if given.
    pub fn move_to_netns(
        &mut self,
        index: u32,
        netns: BorrowedFd<'_>,
        name: Option<&str>,
    ) -> R<()> {
        let mut attrs = vec![LinkAttribute::NetNsFd(netns.as_raw_fd())];
        attrs.extend(name.map(|n| LinkAttribute::IfName(n.into())));
        self.set_link("move the link to another namespace", index, attrs, false)
    }

    /// Rename a link (it must be down).
    pub fn rename(&mut self, index: u32, name: &str) -> R<()> {
        self.set_link(
            &format!("rename the link to {name}"),
            index,
            vec![LinkAttribute::IfName(name.into())],
            false,
        )
    }

    pub fn set_up(&mut self, index: u32) -> R<()> {
        self.set_link("bring the link up", index, Vec::new(), true)
    }

    pub fn set_down(&mut self, index: u32) -> R<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.header.change_mask = LinkFlags::Up;
        self.request(
            "bring the link down",
            RouteNetlinkMessage::SetLink(msg),
            NLM_F_ACK,
        )
        .map(drop)
    }

    /// Add (or with `delete`, remove) VLAN `vid` on bridge port `index`: the port's
    /// untagged PVID when `untagged`, else a tagged VLAN.
    pub fn bridge_vlan(&mut self, index: u32, vid: u16, untagged: bool, delete: bool) -> R<()> {
        let mut msg = LinkMessage::default();
        msg.header.interface_family = AddressFamily::Bridge;
        msg.header.index = index;
        let flags = if untagged {
            BridgeVlanInfoFlags::Pvid | BridgeVlanInfoFlags::Untagged
        } else {
            BridgeVlanInfoFlags::empty()
        };
        msg.attributes
            .push(LinkAttribute::AfSpecBridge(vec![AfSpecBridge::VlanInfo(
                BridgeVlanInfo { flags, vid },
            )]));
        let (what, request) = if delete {
            (
                format!("remove VLAN {vid}"),
                RouteNetlinkMessage::DelLink(msg),
            )
        } else {
            (format!("add VLAN {vid}"), RouteNetlinkMessage::SetLink(msg))
        };
        self.request(&what, request, NLM_F_ACK).map(drop)
    }

    pub fn set_master(&mut self, index: u32, master: u32) -> R<()> {
        self.set_link(
            "attach to the bridge",
            index,
            vec![LinkAttribute::Controller(master)],
            false,
        )
    }

    pub fn set_mtu(&mut self, index: u32, mtu: u32) -> R<()> {
        self.set_link(
            &format!("set mtu {mtu}"),
            index,
            vec![LinkAttribute::Mtu(mtu)],
            false,
        )
    }

    pub fn set_hwaddr(&mut self, index: u32, mac: [u8; 6]) -> R<()> {
        self.set_link(
            "set the hardware address",
            index,
            vec![LinkAttribute::Address(mac.to_vec())],
            false,
        )
    }

    pub fn delete_link(&mut self, index: u32) -> R<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        self.request("delete link", RouteNetlinkMessage::DelLink(msg), NLM_F_ACK)
            .map(drop)
    }

    /// Add `addr/prefix` to a link (an IPv4 address with its network's broadcast address).
    pub fn add_address(&mut self, index: u32, addr: IpAddr, prefix: u8) -> R<()> {
        self.add_address_with(index, addr, prefix, None)
    }

    /// Add `addr/prefix` with `broadcast` (IPv4; `None`: the network's, none for /31 and
    /// /32).
    pub fn add_address_with(
        &mut self,
        index: u32,
        addr: IpAddr,
        prefix: u8,
        broadcast: Option<std::net::Ipv4Addr>,
    ) -> R<()> {
        let mut msg = AddressMessage::default();
        msg.header.index = index;
        msg.header.prefix_len = prefix;
        msg.header.family = match addr {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        };
        msg.attributes.push(AddressAttribute::Local(addr));
        msg.attributes.push(AddressAttribute::Address(addr));
        if let IpAddr::V4(v4) = addr {
            let host_bits = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
            let computed = (prefix < 31).then(|| (u32::from(v4) | host_bits).into());
            if let Some(b) = broadcast.or(computed) {
                msg.attributes.push(AddressAttribute::Broadcast(b));
            }
        }
        self.request(
            &format!("add address {addr}/{prefix}"),
            RouteNetlinkMessage::NewAddress(msg),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
        .map(drop)
    }

    /// The addresses of link `index`.
    pub fn addresses(&mut self, index: u32) -> R<Vec<IpAddr>> {
        let answers = self.request(
            "list addresses",
            RouteNetlinkMessage::GetAddress(AddressMessage::default()),
            NLM_F_DUMP,
        )?;
        Ok(answers
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewAddress(a) if a.header.index == index => {
                    a.attributes.into_iter().find_map(|at| match at {
                        AddressAttribute::Local(ip) | AddressAttribute::Address(ip) => Some(ip),
                        _ => None,
                    })
                }
                _ => None,
            })
            .collect())
    }

    /// The default route straight out of link `index` (`gateway = dev`).
    pub fn add_default_route_dev(&mut self, index: u32, v6: bool) -> R<()> {
        let family = if v6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        let how = (RouteScope::Link, vec![RouteAttribute::Oif(index)]);
        self.add_default_route_with("add the default route through the device", family, how)
    }

    /// The default route through `gateway` on link `index`.
    pub fn add_default_route(&mut self, gateway: IpAddr, index: u32) -> R<()> {
        let (family, via) = match gateway {
            IpAddr::V4(a) => (AddressFamily::Inet, RouteAddress::Inet(a)),
            IpAddr::V6(a) => (AddressFamily::Inet6, RouteAddress::Inet6(a)),
        };
        let what = format!("add the default route via {gateway}");
        let how = (
            RouteScope::Universe,
            vec![RouteAttribute::Gateway(via), RouteAttribute::Oif(index)],
        );
        self.add_default_route_with(&what, family, how)
    }

    /// A route to `dest/prefix` straight out of link `index` (the host end of a veth in
    /// router mode, `veth.ipv4.route`).
    pub fn add_route_dev(&mut self, dest: IpAddr, prefix: u8, index: u32) -> R<()> {
        let (family, to) = match dest {
            IpAddr::V4(a) => (AddressFamily::Inet, RouteAddress::Inet(a)),
            IpAddr::V6(a) => (AddressFamily::Inet6, RouteAddress::Inet6(a)),
        };
        let what = format!("add the route to {dest}/{prefix}");
        let mut msg = route_message(family, RouteScope::Link);
        msg.header.destination_prefix_length = prefix;
        msg.attributes.push(RouteAttribute::Destination(to));
        msg.attributes.push(RouteAttribute::Oif(index));
        self.request(
            &what,
            RouteNetlinkMessage::NewRoute(msg),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
        .map(drop)
    }

    /// Answer ARP / neighbour solicitations for `ip` on link `index` (a router-mode veth's
    /// gateway, which no interface really has); with `delete`, stop answering.
    pub fn proxy_neighbour(&mut self, ip: IpAddr, index: u32, delete: bool) -> R<()> {
        let mut msg = NeighbourMessage::default();
        msg.header.family = match ip {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        };
        msg.header.ifindex = index;
        msg.header.flags = NeighbourFlags::Proxy;
        msg.attributes
            .push(NeighbourAttribute::Destination(NeighbourAddress::from(ip)));
        if delete {
            let what = format!("remove the proxy neighbour entry for {ip}");
            return self
                .request(&what, RouteNetlinkMessage::DelNeighbour(msg), NLM_F_ACK)
                .map(drop);
        }
        self.request(
            &format!("add a proxy neighbour entry for {ip}"),
            RouteNetlinkMessage::NewNeighbour(msg),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
        .map(drop)
    }

    fn add_default_route_with(
        &mut self,
        what: &str,
        family: AddressFamily,
        (scope, attributes): (RouteScope, Vec<RouteAttribute>),
    ) -> R<()> {
        let mut msg = route_message(family, scope);
        msg.attributes.extend(attributes);
        self.request(
            what,
            RouteNetlinkMessage::NewRoute(msg),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
        .map(drop)
    }
}

/// A unicast route of the main table, made by us.
fn route_message(family: AddressFamily, scope: RouteScope) -> RouteMessage {
    let mut msg = RouteMessage::default();
    msg.header.address_family = family;
    msg.header.table = RouteHeader::RT_TABLE_MAIN;
    msg.header.protocol = RouteProtocol::Boot;
    msg.header.scope = scope;
    msg.header.kind = RouteType::Unicast;
    msg
}
