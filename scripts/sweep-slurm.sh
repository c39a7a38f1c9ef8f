#!/bin/sh
# Write a Slurm batch script that runs a jobs file of `ldomsim sweep
# --emit-jobs FILE` as a job array: task i runs line i of FILE. The sweep
# folder must be on storage every node sees; ldomsim must be installed at
# the path FILE names on every node. Then: sbatch the script, and when the
# array is done, `ldomsim merge -o OUT SWEEPDIR`.
#
# usage: scripts/sweep-slurm.sh JOBS_FILE [SBATCH_OPTION]... > sweep.sbatch
#   e.g. scripts/sweep-slurm.sh jobs.txt --partition=batch --time=00:30:00 --mem=2G
set -eu
if [ $# -lt 1 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
	[ $# -ge 1 ] && exit 0 || exit 2
fi
jobs=$(readlink -f "$1")
shift
if [ ! -s "$jobs" ]; then
	echo "sweep-slurm.sh: $jobs: no such jobs file, or empty" >&2
	exit 2
fi
n=$(wc -l < "$jobs")
echo "#!/bin/sh"
echo "#SBATCH --job-name=ldomsim-sweep"
echo "#SBATCH --array=1-$n"
echo "#SBATCH --cpus-per-task=1"
echo "#SBATCH --output=ldomsim-sweep-%A_%a.out"
for opt in "$@"; do
	echo "#SBATCH $opt"
done
echo "# one point per task: line \$SLURM_ARRAY_TASK_ID of the jobs file"
echo "sed -n \"\${SLURM_ARRAY_TASK_ID}p\" '$jobs' | sh"
