#!/usr/bin/python3
"""Records what Ansible gives for each inventory here, as NAME.ansible.json beside NAME.yaml:
the output of `ansible-inventory -i NAME.yaml --list`, and for each line of NAME.patterns the hosts
`ansible -i NAME.yaml PATTERN --list-hosts` selects, in Ansible's order. AnsibleParityTest compares
runbook's inventory with these files on every build; run this again (with ansible-core installed)
after changing an inventory or a pattern list."""
import json, os, pathlib, subprocess, sys

here = pathlib.Path(__file__).resolve().parent
env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_INVENTORY_ENABLED="yaml")

def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env, cwd=here).stdout

version = run("ansible", "--version").splitlines()[0]
for yaml in sorted(here.glob("*.yaml")):
    inventory = json.loads(run("ansible-inventory", "-i", yaml.name, "--list"))
    patterns = {}
    for pattern in (yaml.with_suffix(".patterns")).read_text().splitlines():
        out = run("ansible", "-i", yaml.name, pattern, "--list-hosts").splitlines()
        start = next(i for i, l in enumerate(out) if l.strip().startswith("hosts ("))
        patterns[pattern] = [l.strip() for l in out[start + 1:] if l.strip()]
    record = {"recorded_with": version, "inventory": inventory, "patterns": patterns}
    yaml.with_suffix(".ansible.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print("recorded", yaml.with_suffix(".ansible.json").name, file=sys.stderr)
