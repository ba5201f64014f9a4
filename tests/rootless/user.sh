# The throw-away user of the rootless tests (sourced by run.sh and runc-bats.sh, as root):
#   make_test_user HOME_DIR   sets $user (a unique name), $uid, $gid and $subid_start: the
#                             user exists, with HOME_DIR as home and one 65536-id range of
#                             its own in /etc/subuid and /etc/subgid (for newuidmap)
#   remove_test_user          deletes the user and its ranges (not HOME_DIR)
#   user_pids                 the user's processes, one pid a line
make_test_user() {
  user=brl$$x$RANDOM
  subid_start=$((300000 + (RANDOM % 200) * 65536))
  useradd -M -d "$1" -s /bin/sh "$user"
  uid=$(id -u "$user"); gid=$(id -g "$user")
  echo "$user:$subid_start:65536" >> /etc/subuid
  echo "$user:$subid_start:65536" >> /etc/subgid
}
remove_test_user() {
  [ -n "${user:-}" ] || return 0
  userdel "$user" >/dev/null 2>&1
  sed -i "/^$user:/d" /etc/subuid /etc/subgid
}
user_pids() { ps -o pid= -u "$user" 2>/dev/null | tr -d ' ' || true; }
