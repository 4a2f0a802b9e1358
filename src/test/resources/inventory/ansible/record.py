#!/usr/bin/python3
"""Records what Ansible gives for each inventory here, as NAME.ansible.json beside NAME.yaml:
the output of `ansible-inventory -i NAME.yaml --list`, and for each line of NAME.patterns the hosts
`ansible -i NAME.yaml PATTERN --list-hosts` selects, in Ansible's order. Each directory dirs/NAME/
(an inventory with group_vars and host_vars) is recorded as dirs/NAME.ansible.json: "inventory" with
the directory itself given to -i, "inventory_file" with its hosts.yaml, and the patterns of
dirs/NAME.patterns against the directory. AnsibleParityTest compares runbook's inventory with these
files on every build; run this again (with ansible-core installed) after changing an inventory or a
pattern list."""
import json, os, pathlib, subprocess, sys

here = pathlib.Path(__file__).resolve().parent
env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_INVENTORY_ENABLED="yaml")

def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env, cwd=here).stdout

def listed(source):
    return json.loads(run("ansible-inventory", "-i", source, "--list"))

def patterns(source, lines):
    found = {}
    for pattern in lines.read_text().splitlines():
        out = run("ansible", "-i", source, pattern, "--list-hosts").splitlines()
        start = next(i for i, l in enumerate(out) if l.strip().startswith("hosts ("))
        found[pattern] = [l.strip() for l in out[start + 1:] if l.strip()]
    return found

def write(path, record):
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print("recorded", path.relative_to(here), file=sys.stderr)

version = run("ansible", "--version").splitlines()[0]
for yaml in sorted(here.glob("*.yaml")):
    write(yaml.with_suffix(".ansible.json"), {"recorded_with": version, "inventory": listed(yaml.name),
                                              "patterns": patterns(yaml.name, yaml.with_suffix(".patterns"))})
for d in sorted(p for p in (here / "dirs").iterdir() if p.is_dir()):
    source = str(d.relative_to(here))
    write(d.with_suffix(".ansible.json"), {"recorded_with": version, "inventory": listed(source),
                                           "inventory_file": listed(source + "/hosts.yaml"),
                                           "patterns": patterns(source, d.with_suffix(".patterns"))})
