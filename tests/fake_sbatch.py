"""A stand-in for Slurm's ``sbatch`` on one machine, for the tests of deploy/slurm/: it runs the
script at once, as Slurm would run it on a node, and prints the job id (``--parsable``).

Understood: ``--array=A-B`` (the script once per task id, two at a time, with SLURM_ARRAY_TASK_ID,
SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_JOB_ID set),
``--dependency=afterok:ID`` (the script runs only if every task of job ID exited 0; otherwise
exit 1, as the job would never start), ``--export=ALL,NAME=VALUE,...``; other options are ignored.
The exit status of each job is kept in $FAKE_SBATCH_STATE/<id>; every job's output goes to
$FAKE_SBATCH_STATE/<id>[_task].log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def main(argv: list[str]) -> int:
    state = Path(os.environ["FAKE_SBATCH_STATE"])
    state.mkdir(parents=True, exist_ok=True)
    options, rest = {}, list(argv)
    while rest and rest[0].startswith("--"):
        name, _, value = rest.pop(0)[2:].partition("=")
        options[name] = value
    script, args = rest[0], rest[1:]
    env = dict(os.environ, SLURM_SUBMIT_DIR=os.getcwd())
    for item in options.get("export", "").split(",")[1:]:
        name, _, value = item.partition("=")
        env[name] = value
    after = options.get("dependency", "")
    if after:
        kind, _, job = after.partition(":")
        assert kind == "afterok", after
        if (state / job).read_text().strip() != "0":
            print(f"fake sbatch: job {job} did not succeed; the dependent job never runs", file=sys.stderr)
            return 1
    job = str(sum(1 for p in state.iterdir() if p.name.isdigit()) + 1)
    (state / job).write_text("pending")

    def run(task: int | None) -> int:
        extra = {}
        if task is not None:
            low, high = map(int, options["array"].split("-"))
            extra = {"SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_MIN": str(low),
                     "SLURM_ARRAY_TASK_MAX": str(high), "SLURM_ARRAY_TASK_COUNT": str(high - low + 1),
                     "SLURM_ARRAY_JOB_ID": job}
        with open(state / f"{job}{'' if task is None else f'_{task}'}.log", "w") as log:
            return subprocess.run(["bash", script, *args], env={**env, **extra}, stdout=log, stderr=log).returncode

    if "array" in options:
        low, high = map(int, options["array"].split("-"))
        with ThreadPoolExecutor(2) as pool:
            codes = list(pool.map(run, range(low, high + 1)))
    else:
        codes = [run(None)]
    (state / job).write_text("0" if not any(codes) else "1")
    print(job)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
