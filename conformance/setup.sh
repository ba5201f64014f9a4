#!/bin/bash
# Prepare one of runc's integration suites for running against berth.
#
# usage: setup.sh [--suite 1.1.5|1.3.6]   (default 1.1.5)
#
# Idempotent; everything comes from Debian's archive (no module or image downloads):
#   1.1.5 (bookworm's runc):
#   - runc's source package (the bats files and helpers) via a bookworm deb-src entry,
#   - recvtty and seccompagent built from that source in GOPATH mode with Debian's golang-*-dev.
#   1.3.6 (sid's runc):
#   - a private apt configuration below work/ (sid deb and deb-src, trixie deb): the host's apt
#     sources, pins and installed packages are not touched,
#   - runc's source package from sid; the runc binary itself (the reference runtime) and the
#     suite's helpers (tests/cmd) built in GOPATH mode from the golang-*-dev packages sid builds
#     runc with, extracted (not installed) below work/, with trixie's Go 1.24 toolchain, also
#     extracted (sid's cilium/ebpf needs Go 1.24; bookworm-backports stops at 1.23).
#   Both:
#   - the busybox test image from busybox-static, the Debian image via debootstrap.
# Everything lands in conformance/work/ (gitignored).
set -euo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
WORK="${BERTH_CONFORMANCE_WORK:-$HERE/work}"
SUITE=1.1.5
case "${1:-}" in
--suite) SUITE="${2:?--suite needs a version}" ;;
--suite=*) SUITE="${1#*=}" ;;
"") ;;
*) echo "setup.sh: usage: setup.sh [--suite 1.1.5|1.3.6]" >&2; exit 2 ;;
esac
case "$SUITE" in
1.1.5 | 1.3.6) ;;
*) echo "setup.sh: unknown suite $SUITE (1.1.5 or 1.3.6)" >&2; exit 2 ;;
esac
RUNC_VERSION=$SUITE
DEBIAN_SUITE=bookworm # the Debian image's release and, for 1.1.5, the source package's

# Packages the harness needs (tell install-deps.sh about changes here).
PACKAGES=(
	dpkg-dev xz-utils bats jq gawk gcc libc6-dev util-linux busybox-static debootstrap
	golang-go pkg-config libseccomp-dev
	golang-github-containerd-console-dev golang-github-urfave-cli-dev golang-golang-x-sys-dev
	golang-github-cyphar-filepath-securejoin-dev golang-github-opencontainers-specs-dev
	golang-github-seccomp-libseccomp-golang-dev golang-github-sirupsen-logrus-dev
)

log() { echo "setup.sh: $*" >&2; }

has_deb_src() {
	grep -Eqs '^[[:space:]]*deb-src[[:space:]].*debian' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 0
	grep -Eqs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources && return 0
	return 1
}

ensure_deb_src() {
	has_deb_src && return 0
	log "adding a deb-src entry for $DEBIAN_SUITE"
	cat >/etc/apt/sources.list.d/berth-conformance-src.sources <<-EOF
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb-src
		URIs: http://deb.debian.org/debian-security
		Suites: $DEBIAN_SUITE-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	apt-get update -qq
}

ensure_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Sets RUNC_SRC to the unpacked source tree (fetching it when missing).
ensure_runc_source() {
	RUNC_SRC=$(find "$WORK" -maxdepth 1 -type d -name "runc-${RUNC_VERSION}*" | head -n1)
	if [ -z "$RUNC_SRC" ]; then
		log "fetching runc's source package"
		if [ "$SUITE" = 1.1.5 ]; then
			ensure_deb_src
			# by suite name: another deb-src entry may carry a newer runc
			(cd "$WORK" && apt-get source -qq "runc/$DEBIAN_SUITE" >/dev/null)
		else
			ensure_sid_apt
			(cd "$WORK" && sid_apt apt-get source -qq runc/sid >/dev/null 2>&1)
		fi
		RUNC_SRC=$(find "$WORK" -maxdepth 1 -type d -name "runc-${RUNC_VERSION}*" | head -n1)
	fi
	[ -n "$RUNC_SRC" ] || { log "runc $RUNC_VERSION source not found in $WORK"; exit 1; }
	[ "$(cat "$RUNC_SRC/VERSION")" = "$RUNC_VERSION" ] ||
		{ log "expected runc $RUNC_VERSION, got $(cat "$RUNC_SRC/VERSION")"; exit 1; }
}

# runc 1.3.6 comes from sid and builds with sid's Go libraries: a private apt configuration
# (its own sources, lists and cache below work/) reaches sid and trixie without adding either to
# the host's apt, so nothing on the host can ever be installed or upgraded from them.
SID_APT="$WORK/apt-sid"
sid_apt() {
	local cmd="$1"
	shift
	"$cmd" -o Dir::Etc::SourceList="$SID_APT/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::State::Lists="$SID_APT/lists" -o Dir::Cache="$SID_APT/cache" \
		-o Dir::State::Status=/dev/null -o APT::Architectures=amd64 -o Debug::NoLocking=1 "$@"
}

ensure_sid_apt() {
	[ -e "$SID_APT/updated" ] && return 0
	mkdir -p "$SID_APT/lists/partial" "$SID_APT/cache/archives/partial"
	local uri
	uri=$(mirror_uri)
	cat >"$SID_APT/sources.list" <<-EOF
		deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main
		deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main
		deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main
	EOF
	log "fetching sid's and trixie's package lists (private apt configuration in $SID_APT)"
	sid_apt apt-get update -qq
	touch "$SID_APT/updated"
}

# Extracts (never installs) Debian packages into a directory; $1 is the directory, then
# package[/release] names.
extract_debs() {
	local dest="$1" debs deb
	shift
	debs=$(mktemp -d "$WORK/debs.XXXXXX")
	(cd "$debs" && sid_apt apt-get download -qq "$@" 2>&1 | grep -v 'unsandboxed' >&2) || true
	mkdir -p "$dest.tmp"
	for deb in "$debs"/*.deb; do
		[ -e "$deb" ] || { log "apt-get download $* fetched nothing"; exit 1; }
		dpkg-deb -x "$deb" "$dest.tmp"
	done
	(cd "$debs" && ls) >"$dest.tmp/packages.txt"
	rm -rf "$debs" "$dest"
	mv "$dest.tmp" "$dest"
}

# runc's Build-Depends in its debian/control, plus their Go dependencies, from sid.
runc_go_dependencies() {
	local direct
	direct=$(sed -n '/^Build-Depends:/,/^[A-Z][A-Za-z-]*:/p' "$RUNC_SRC/debian/control" |
		grep -o 'golang-[a-z0-9.-]*-dev' | sort -u)
	# shellcheck disable=SC2086
	sid_apt apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances --no-pre-depends $direct 2>/dev/null |
		grep -E '^golang-[a-z0-9.-]*-dev$' | sort -u
}

# The reference runc and the helpers the 1.3.6 suite calls from tests/cmd/_bin, built the way
# Debian builds runc (dh-golang: GOPATH mode over /usr/share/gocode, Debian's version ldflags).
RUNC13_HELPERS=(recvtty sd-helper seccompagent fs-idmap pidfd-kill remap-rootfs)
build_runc13() {
	local bin="$RUNC_SRC/tests/cmd/_bin" h missing=0
	[ -x "$RUNC_SRC/runc" ] || missing=1
	for h in "${RUNC13_HELPERS[@]}"; do [ -x "$bin/$h" ] || missing=1; done
	[ $missing -eq 0 ] && return 0
	local goroot="$WORK/go-1.24/usr/lib/go-1.24" gocode="$WORK/gocode-$RUNC_VERSION"
	local gopath="$WORK/gopath-$RUNC_VERSION" pkg=github.com/opencontainers/runc
	ensure_sid_apt
	if [ ! -x "$goroot/bin/go" ]; then
		log "extracting trixie's Go 1.24 toolchain"
		extract_debs "$WORK/go-1.24" golang-1.24-go/trixie golang-1.24-src/trixie
	fi
	if [ ! -d "$gocode" ]; then
		log "extracting sid's Go libraries for runc"
		# shellcheck disable=SC2046
		extract_debs "$gocode" $(runc_go_dependencies)
	fi
	mkdir -p "$gopath/src/github.com/opencontainers" "$bin"
	ln -sfn "$RUNC_SRC" "$gopath/src/$pkg"
	local -a env=(GOROOT="$goroot" PATH="$goroot/bin:$PATH" GOTOOLCHAIN=local GO111MODULE=off
		GOPROXY=off GOFLAGS= GOPATH="$gopath:$gocode/usr/share/gocode" GOCACHE="$WORK/gocache")
	local -a build=(go build -trimpath -tags "seccomp urfave_cli_no_docs")
	local debver
	debver=$(sed -n '1s/^runc (\([^)]*\)).*/\1/p' "$RUNC_SRC/debian/changelog")
	log "building runc $debver and its test helpers (${RUNC13_HELPERS[*]})"
	(cd "$gopath/src/$pkg" &&
		env "${env[@]}" "${build[@]}" -ldflags "-X main.version=${debver%-*} -X main.gitCommit=$debver" -o runc . &&
		for h in "${RUNC13_HELPERS[@]}"; do env "${env[@]}" "${build[@]}" -o "tests/cmd/_bin/$h" "./tests/cmd/$h" || exit 1; done)
}

# recvtty imports runc's own libcontainer/utils: expose the source tree in a private GOPATH
# entry, with Debian's /usr/share/gocode supplying every other import.
build_helpers() {
	local gopath="$WORK/gopath" pkg=github.com/opencontainers/runc
	mkdir -p "$gopath/src/github.com/opencontainers"
	ln -sfn "$RUNC_SRC" "$gopath/src/$pkg"
	local -a env=(GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$gopath:/usr/share/gocode"
		GOCACHE="$WORK/gocache")
	if [ ! -x "$RUNC_SRC/contrib/cmd/recvtty/recvtty" ]; then
		log "building recvtty"
		(cd "$gopath/src/$pkg/contrib/cmd/recvtty" && env "${env[@]}" go build -o recvtty .)
	fi
	if [ ! -x "$RUNC_SRC/contrib/cmd/seccompagent/seccompagent" ]; then
		log "building seccompagent"
		(cd "$gopath/src/$pkg/contrib/cmd/seccompagent" &&
			env "${env[@]}" go build -tags seccomp -o seccompagent .)
	fi
}

# get-images.sh only downloads an image when $TESTDATA/<name>-<goarch>.tar.xz is missing:
# providing both files locally keeps the suite offline and unpatched.
build_busybox_image() {
	local dest="$1" root
	[ -e "$dest" ] && return 0
	log "building the busybox image"
	root=$(mktemp -d "$WORK/busybox-rootfs.XXXXXX")
	chmod 0755 "$root" # the image's "." entry sets the container's / mode
	mkdir -p "$root"/{bin,dev,etc,home,root,tmp,usr/bin,usr/sbin,sbin,var} # no proc, sys: mask.bats symlinks them
	chmod 1777 "$root/tmp"
	# 0755 whatever the host's copy has become.
	install -m 0755 /bin/busybox "$root/bin/busybox"
	# Every applet at its usual place and, like docker's image, in /bin (the 1.3.6 suite runs
	# "#!/bin/awk -f" scripts), as hard links (as in docker's image): the suite chmods applets of
	# the rootfs from the host (1.3.6's start_hello.bats: chmod go-x rootfs/bin/echo), which
	# through a symlink to /bin/busybox would change the host's busybox.
	local applet
	for applet in $("$root/bin/busybox" --list-full) $("$root/bin/busybox" --list | sed 's|^|bin/|'); do
		[ -e "$root/$applet" ] || ln "$root/bin/busybox" "$root/$applet"
	done
	# The docker-library image the suite normally uses ships these accounts.
	cat >"$root/etc/passwd" <<-EOF
		root:x:0:0:root:/root:/bin/sh
		daemon:x:1:1:daemon:/usr/sbin:/bin/false
		bin:x:2:2:bin:/bin:/bin/false
		sys:x:3:3:sys:/dev:/bin/false
		sync:x:4:100:sync:/bin:/bin/sync
		mail:x:8:8:mail:/var/spool/mail:/bin/false
		www-data:x:33:33:www-data:/var/www:/bin/false
		operator:x:37:37:Operator:/var:/bin/false
		nobody:x:65534:65534:nobody:/home:/bin/false
	EOF
	cat >"$root/etc/group" <<-EOF
		root:x:0:
		daemon:x:1:
		bin:x:2:
		sys:x:3:
		adm:x:4:
		tty:x:5:
		disk:x:6:
		lp:x:7:
		mail:x:8:
		kmem:x:9:
		wheel:x:10:root
		cdrom:x:11:
		dialout:x:18:
		floppy:x:19:
		video:x:28:
		audio:x:29:
		tape:x:32:
		www-data:x:33:
		operator:x:37:
		utmp:x:43:
		plugdev:x:46:
		staff:x:50:
		lock:x:54:
		netdev:x:82:
		users:x:100:
		nogroup:x:65534:
	EOF
	tar --numeric-owner -C "$root" -cJf "$dest.tmp" .
	mv "$dest.tmp" "$dest"
	rm -rf "$root"
}

mirror_uri() {
	local uri
	uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' |
		grep -v security | grep debian | head -n1)
	[ -n "$uri" ] || uri=$(grep -hE '^deb\s' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' |
		grep -v security | head -n1)
	echo "${uri:-http://deb.debian.org/debian}"
}

# The suite unpacks this image once per test (idmap.bats: 24 times), so it is kept small and
# uncompressed: the documentation, manuals and translations are dropped as in docker's "slim"
# images, and the tar is not compressed (tar -xf recognises any format, whatever the name
# get-images.sh expects).
build_debian_image() {
	local dest="$1" cache="$WORK/debian-$DEBIAN_SUITE-slim.tar" root
	if [ ! -e "$cache" ]; then
		log "debootstrapping $DEBIAN_SUITE (minbase)"
		root=$(mktemp -d "$WORK/debian-rootfs.XXXXXX")
		chmod 0755 "$root"
		debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$(mirror_uri)" >"$WORK/debootstrap.log" 2>&1 ||
			{ log "debootstrap failed, see $WORK/debootstrap.log"; rm -rf "$root"; exit 1; }
		rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
			"$root"/usr/share/{doc,man,info,locale,groff,lintian}/*
		tar --numeric-owner -C "$root" -cf "$cache.tmp" .
		mv "$cache.tmp" "$cache"
		rm -rf "$root"
	fi
	ln -sfn "$cache" "$dest"
}

main() {
	[ "$(id -u)" -eq 0 ] || { log "must run as root"; exit 1; }
	mkdir -p "$WORK"
	# One setup at a time: run.sh and the systemd VM's ctest entry (tests/systemd-vm/
	# add-runc-bats.sh) may call it at once, and two Go builds would write one binary.
	exec {setup_lock}>"$WORK/setup.lock"
	flock "$setup_lock"
	ensure_packages
	ensure_runc_source
	if [ "$SUITE" = 1.1.5 ]; then build_helpers; else build_runc13; fi
	local arch testdata="$RUNC_SRC/tests/integration/testdata"
	arch=$(go env GOARCH)
	build_busybox_image "$testdata/busybox-$arch.tar.xz"
	build_debian_image "$testdata/debian-$arch.tar.xz"
	log "ready: $RUNC_SRC"
}

main "$@"
