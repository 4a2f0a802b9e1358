#!/usr/bin/env bash
# thousand-hosts.sh [HOSTS] [MAX_PARALLEL] — one step on many hosts: one throwaway sshd listening on
# all local addresses (logins only from 127.0.0.0/8), reached as HOSTS different 127.x.y.z
# addresses, each its own connection, with max_parallel MAX_PARALLEL. Prints wall time and peak RSS.
# Needs ../shared/bench/setup.sh to have run (client key, hyperfine, openssh-server).
set -euo pipefail
N=${1:-1000}
PAR=${2:-100}
here=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-/tmp/runbook-bench}
S=$OUT/state
W=$OUT/thousand
KEY=$S/client/id_ed25519
PORT=2299
mkdir -p "$W"
[[ -f $KEY ]] || { echo "run ../shared/bench/setup.sh first" >&2; exit 1; }
[[ -f $W/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -f "$W/ssh_host_ed25519_key"
cat >"$W/sshd_config" <<CFG
ListenAddress 0.0.0.0
Port $PORT
HostKey $W/ssh_host_ed25519_key
PidFile $W/sshd.pid
AuthorizedKeysFile $S/client/authorized_keys
AllowUsers root@127.0.0.0/8
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
MaxStartups 1000:30:2000
MaxSessions 64
LogLevel ERROR
SetEnv SHLVL=1
CFG
mkdir -p /run/sshd
if [[ -f $W/sshd.pid ]] && kill -0 "$(cat "$W/sshd.pid")" 2>/dev/null; then kill "$(cat "$W/sshd.pid")"; sleep 0.5; fi
/usr/sbin/sshd -f "$W/sshd_config" -E "$W/sshd.log"
trap 'kill "$(cat "$W/sshd.pid")" 2>/dev/null || true' EXIT

pub=$(cut -d' ' -f1,2 "$W/ssh_host_ed25519_key.pub")
: >"$W/known_hosts"
{
  echo "all:"
  echo "  vars: {ansible_user: root, ansible_port: $PORT, ansible_ssh_private_key_file: $KEY, runbook_known_hosts: $W/known_hosts}"
  echo "  children:"
  echo "    fleet:"
  echo "      hosts:"
  for ((i = 0; i < N; i++)); do
    addr="127.0.$((i / 250 + 1)).$((i % 250 + 1))"
    printf '        n%04d: {ansible_host: %s}\n' "$i" "$addr"
    printf '[%s]:%s %s\n' "$addr" "$PORT" "$pub" >>"$W/known_hosts"
  done
} >"$W/inventory.yaml"
cat >"$W/one-step.yaml" <<RB
name: thousand-hosts
targets: fleet
max_parallel: $PAR
steps:
  - id: hostname
    run: "true"
RB
cd "$here"
export RUNBOOK_STATE=$W/state
/usr/bin/time -v java -Djdk.lang.Process.launchMechanism=VFORK -XX:+UseSerialGC -jar target/runbook.jar run \
  -i "$W/inventory.yaml" "$W/one-step.yaml" >"$W/run.out" 2>"$W/time.txt" || { tail -5 "$W/run.out"; tail -20 "$W/time.txt"; exit 1; }
tail -3 "$W/run.out"
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$W/time.txt"
