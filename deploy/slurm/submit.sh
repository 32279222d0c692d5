#!/usr/bin/env bash
# A class graded in N shards on Slurm, then merged once every shard has succeeded:
#   deploy/slurm/submit.sh CLASS GRADES [N]        (N defaults to 4)
# CLASS and GRADES must be on a file system every node sees. The kit is the checkout this script
# lies in (`make install` there first), or $GRADKIT, its interpreter $GRADKIT_PYTHON.
# A shard that fails: rerun it alone (sbatch --array=K deploy/slurm/shard.sbatch CLASS GRADES, with
# the same N in SHARDS), --resume keeps what it had graded; then submit merge.sbatch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
class="$1" grades="$2" shards="${3:-4}"
mkdir -p "$grades"
# ids 0 to N-1: array task K grades shard K (--shard-from-env takes K = SLURM_ARRAY_TASK_ID)
job=$(sbatch --parsable --array=0-$((shards - 1)) --export=ALL,SHARDS="$shards" "$here/shard.sbatch" "$class" "$grades")
sbatch --parsable --dependency=afterok:"${job%%;*}" --export=ALL,SHARDS="$shards" "$here/merge.sbatch" "$class" "$grades"
