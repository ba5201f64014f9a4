#include "berth/linux/net_devices.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "berth/util/fd.hpp"

namespace berth::linux_setup {
namespace {

bool valid_name(const std::string& name) {
    return !name.empty() && name.size() < IFNAMSIZ && name != "." && name != ".." &&
           name.find_first_of("/: ") == std::string::npos;
}

std::string where(const std::string& host_name) { return "config.json: linux.netDevices." + host_name; }

// One rtnetlink request: the header, a fixed body, then attributes.
class Request {
public:
    template <class Body>
    Request(uint16_t type, uint16_t flags, const Body& body) : buf_(NLMSG_SPACE(sizeof(Body))) {
        auto* h = header();
        h->nlmsg_type = type;
        h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
        std::memcpy(NLMSG_DATA(h), &body, sizeof(Body));
        h->nlmsg_len = static_cast<uint32_t>(buf_.size());
    }
    void attr(uint16_t type, const void* data, size_t size) {
        size_t at = buf_.size();
        buf_.resize(at + RTA_SPACE(size));
        auto* rta = reinterpret_cast<rtattr*>(buf_.data() + at);
        rta->rta_type = type;
        rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
        std::memcpy(RTA_DATA(rta), data, size);
        header()->nlmsg_len = static_cast<uint32_t>(buf_.size());
    }
    void attr(uint16_t type, const std::string& text) { attr(type, text.c_str(), text.size() + 1); }
    nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }

private:
    std::vector<char> buf_;
};

// The attributes of a reply after its fixed body.
template <class Body>
std::vector<const rtattr*> attributes(const nlmsghdr* h) {
    std::vector<const rtattr*> out(64, nullptr);  // indexed by type; the IFLA_/IFA_ types we read are below 64
    const auto* rta = reinterpret_cast<const rtattr*>(static_cast<const char*>(NLMSG_DATA(h)) + NLMSG_ALIGN(sizeof(Body)));
    int len = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_SPACE(sizeof(Body)));
    for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type < out.size()) out[rta->rta_type] = rta;
    }
    return out;
}

struct Link {
    int index = 0;
    std::string name;
};

struct Address {
    unsigned char family = 0;
    unsigned char prefixlen = 0;
    std::vector<unsigned char> local;  // 4 or 16 bytes
};

// A NETLINK_ROUTE socket, bound to the network namespace it was made in.
class Rtnetlink {
public:
    explicit Rtnetlink(UniqueFd fd) : fd_(std::move(fd)) {}

    static Result<Rtnetlink> open() {
        UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        if (!fd) return Error::from_errno("netlink socket");
        return Rtnetlink(std::move(fd));
    }

    // Sends `req` and calls `each` for every reply message until the ack (or
    // the end of a dump); a netlink error comes back as its errno.
    template <class Each>
    Status exchange(Request& req, const char* what, Each each) {
        nlmsghdr* h = req.header();
        h->nlmsg_seq = ++seq_;
        if (::send(fd_.get(), h, h->nlmsg_len, 0) != static_cast<ssize_t>(h->nlmsg_len)) return Error::from_errno(what);
        std::vector<char> buf(32768);
        for (;;) {
            ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return Error::from_errno(what);
            int len = static_cast<int>(n);
            for (auto* m = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(m, len); m = NLMSG_NEXT(m, len)) {
                if (m->nlmsg_seq != seq_) continue;
                if (m->nlmsg_type == NLMSG_DONE) return {};
                if (m->nlmsg_type == NLMSG_ERROR) {
                    int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(m))->error;
                    if (err != 0) return Error::sys(err, what);
                    return {};
                }
                each(m);
                if (!(m->nlmsg_flags & NLM_F_MULTI)) return {};
            }
        }
    }

    Status ack(Request& req, const char* what) {
        return exchange(req, what, [](const nlmsghdr*) {});
    }

    Result<Link> link(const std::string& name) {
        Request req(RTM_GETLINK, 0, ifinfomsg{});
        req.attr(IFLA_IFNAME, name);
        Link link;
        BERTH_TRY(exchange(req, "get link", [&](const nlmsghdr* m) {
            if (m->nlmsg_type != RTM_NEWLINK) return;
            link.index = static_cast<const ifinfomsg*>(NLMSG_DATA(m))->ifi_index;
            link.name = name;
        }));
        if (link.index == 0) return Error::sys(ENODEV, "get link");
        return link;
    }

    Status set_up(int index, bool up) {
        ifinfomsg info{};
        info.ifi_index = index;
        info.ifi_flags = up ? IFF_UP : 0;
        info.ifi_change = IFF_UP;
        Request req(RTM_NEWLINK, NLM_F_ACK, info);
        return ack(req, up ? "set link up" : "set link down");
    }

    // The permanent addresses of global scope: the ones the spec says to keep.
    Result<std::vector<Address>> kept_addresses(int index) {
        Request req(RTM_GETADDR, NLM_F_DUMP, ifaddrmsg{});
        std::vector<Address> kept;
        BERTH_TRY(exchange(req, "list addresses", [&](const nlmsghdr* m) {
            const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(m));
            if (m->nlmsg_type != RTM_NEWADDR || static_cast<int>(ifa->ifa_index) != index) return;
            auto attrs = attributes<ifaddrmsg>(m);
            uint32_t flags = ifa->ifa_flags;  // IFA_FLAGS carries the flags above 8 bits when present
            if (attrs[IFA_FLAGS]) std::memcpy(&flags, RTA_DATA(attrs[IFA_FLAGS]), sizeof(flags));
            const rtattr* local = attrs[IFA_LOCAL] ? attrs[IFA_LOCAL] : attrs[IFA_ADDRESS];
            if (!(flags & IFA_F_PERMANENT) || ifa->ifa_scope != RT_SCOPE_UNIVERSE || !local) return;
            const auto* bytes = static_cast<const unsigned char*>(RTA_DATA(local));
            kept.push_back({ifa->ifa_family, ifa->ifa_prefixlen, {bytes, bytes + RTA_PAYLOAD(local)}});
        }));
        return kept;
    }

    // Moves and renames in one message, so the host name never clashes in the container.
    Status move(int index, const std::string& name, int netns_fd) {
        ifinfomsg info{};
        info.ifi_index = index;
        Request req(RTM_NEWLINK, NLM_F_ACK, info);
        req.attr(IFLA_IFNAME, name);
        uint32_t fd = static_cast<uint32_t>(netns_fd);
        req.attr(IFLA_NET_NS_FD, &fd, sizeof(fd));
        return ack(req, "move");
    }

    // As runc (netlink's AddrAdd): the address alone, with the IPv4 broadcast derived from the prefix.
    Status add_address(int index, const Address& a) {
        ifaddrmsg ifa{};
        ifa.ifa_family = a.family;
        ifa.ifa_prefixlen = a.prefixlen;
        ifa.ifa_index = static_cast<uint32_t>(index);
        Request req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, ifa);
        req.attr(IFA_LOCAL, a.local.data(), a.local.size());
        req.attr(IFA_ADDRESS, a.local.data(), a.local.size());
        if (a.family == AF_INET && a.prefixlen < 31) {
            uint32_t ip;
            std::memcpy(&ip, a.local.data(), sizeof(ip));
            uint32_t host_bits = a.prefixlen == 0 ? 0xffffffffu : (1u << (32 - a.prefixlen)) - 1;
            uint32_t broadcast = ip | htonl(host_bits);
            req.attr(IFA_BROADCAST, &broadcast, sizeof(broadcast));
        }
        return ack(req, "add address");
    }

private:
    UniqueFd fd_;
    uint32_t seq_ = 0;
};

std::string text(const Address& a) {
    char buf[INET6_ADDRSTRLEN] = "?";
    ::inet_ntop(a.family, a.local.data(), buf, sizeof(buf));
    return std::string(buf) + "/" + std::to_string(a.prefixlen);
}

// A netlink socket in the network namespace `netns`: made while this thread
// is in it (the socket stays bound to it), then back to our own.
Result<Rtnetlink> open_in(int netns, const std::string& netns_path) {
    UniqueFd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!own) return Error::from_errno("open \"/proc/thread-self/ns/net\"");
    if (::setns(netns, CLONE_NEWNET) != 0) return Error::from_errno("setns \"" + netns_path + "\"");
    auto sock = Rtnetlink::open();
    if (::setns(own.get(), CLONE_NEWNET) != 0) return Error::from_errno("setns back to the runtime's network namespace");
    return sock;
}

Status move_one(Rtnetlink& host, Rtnetlink& container, const NetDeviceMove& d, int netns, const std::string& netns_path) {
    auto found = host.link(d.host_name);
    if (!found) return std::move(found).error().wrap("link not found for interface " + d.host_name + " on runtime namespace");
    int index = found->index;
    // A template ("eth%d") lets the kernel pick a free name: only a plain name can clash.
    if (d.name.find("%d") == std::string::npos && container.link(d.name))
        return Error::msg("network device name \"" + d.name + "\" is already taken in the container's network namespace");
    // Down first, as runc: whatever on the host uses it sees it go before it changes.
    BERTH_TRY(host.set_up(index, false));
    BERTH_TRY_ASSIGN(std::vector<Address> addresses, host.kept_addresses(index));
    Status moved = host.move(index, d.name, netns);
    if (!moved)
        return std::move(moved).error().wrap("fail to move network device " + d.host_name + " to network namespace " + netns_path);
    // The kernel keeps the index when it is free in the namespace (always in a new one); a template's
    // chosen name is then found through it.
    Result<Link> inside = d.name.find("%d") == std::string::npos ? container.link(d.name) : Result<Link>(Link{index, d.name});
    if (!inside) return std::move(inside).error().wrap("link not found for interface " + d.name + " on namespace " + netns_path);
    for (const Address& a : addresses) {
        Status added = container.add_address(inside->index, a);
        if (!added) return std::move(added).error().wrap("fail to set up address " + text(a) + " on namespace " + netns_path);
    }
    Status up = container.set_up(inside->index, true);
    if (!up) return std::move(up).error().wrap("fail to set up interface " + d.name + " on namespace " + netns_path);
    return {};
}

}  // namespace

Result<NetDevicesPlan> plan_net_devices(const oci::Linux& linux) {
    NetDevicesPlan plan;
    if (linux.netDevices.empty()) return plan;
    auto netns = std::find_if(linux.namespaces.begin(), linux.namespaces.end(),
                              [](const oci::Namespace& ns) { return ns.type == oci::NamespaceType::network; });
    if (netns != linux.namespaces.end() && netns->path) plan.netns_path = *netns->path;
    for (const auto& [host_name, device] : linux.netDevices) {
        if (netns == linux.namespaces.end())
            return Error::msg(where(host_name) + ": unable to move network devices without a NET namespace");
        if (!valid_name(host_name)) return Error::msg(where(host_name) + ": invalid network device name \"" + host_name + "\"");
        std::string name = device.name.value_or(host_name);
        if (!valid_name(name)) return Error::msg(where(host_name) + ".name: invalid network device name \"" + name + "\"");
        plan.moves.push_back({host_name, std::move(name)});
    }
    return plan;
}

Status move_net_devices(const NetDevicesPlan& plan, pid_t pid) {
    if (plan.moves.empty()) return {};
    std::string netns_path = plan.netns_path.empty() ? "/proc/" + std::to_string(pid) + "/ns/net" : plan.netns_path;
    UniqueFd netns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) return Error::from_errno("open \"" + netns_path + "\"");
    BERTH_TRY_ASSIGN(Rtnetlink host, Rtnetlink::open());
    BERTH_TRY_ASSIGN(Rtnetlink container, open_in(netns.get(), netns_path));
    for (const NetDeviceMove& d : plan.moves) {
        Status moved = move_one(host, container, d, netns.get(), netns_path);
        if (!moved) return std::move(moved).error().wrap(where(d.host_name));
    }
    return {};
}

}  // namespace berth::linux_setup
