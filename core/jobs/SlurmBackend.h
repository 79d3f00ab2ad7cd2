#pragma once
// Jobs on a Slurm cluster: a batch script that runs `srun prithvi <arguments> --events jsonl`,
// one task per rank, submitted with sbatch and followed with squeue / scontrol / sacct.
//
// The script (render) asks for nodes x processesPerNode tasks (and GPUs), appends its output to
// <runDir>/slurm-<jobid>.out (rank 0's standard output, the event stream, plus every rank's
// error output and Slurm's own notes), exports MASTER_ADDR (the first node of the allocation)
// and MASTER_PORT (from the job id) for the ranks' rendezvous, and lets the trainer read its
// rank from SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID (training/distributed/Communicator.h).
// Requeue is on by default: a preempted or requeued job starts the same command again, which
// resumes from checkpoints/last.safetensors; the scheduler's SIGTERM (scancel, requeue, the
// --signal notice before the time limit) makes the trainer checkpoint before it exits.
//
// Finished jobs: squeue forgets them at once, so state() asks `scontrol show job` (the
// controller keeps them for MinJobAge seconds) and then `sacct` (only with slurmdbd).
//
// Qt Core and std only; the Slurm commands run with QProcess and must be on PATH.

#include <string>

#include "core/jobs/LaunchBackend.h"

namespace prithvi {

class SlurmBackend : public LaunchBackend {
 public:
  // `prithviProgram`: the `prithvi` program as the nodes see it, used when the request's
  // options carry no "prithvi" (the app passes the one beside itself).
  explicit SlurmBackend(std::string prithviProgram);

  std::string name() const override { return "slurm"; }
  // Error(Usage) for a request the script cannot express: no arguments, a relative run folder,
  // counts below 1, a name or option with characters sbatch would misread, no prithvi program.
  std::string render(const LaunchRequest& request) const override;
  // Writes <runDir>/slurm-job.sh (atomically, creating runDir) and runs `sbatch --parsable`.
  // The handle's details: script, output (the job's output file), run_dir.
  JobHandle submit(const LaunchRequest& request) override;
  JobState state(const JobHandle& handle) override;
  // The job's output file; empty before the job has started.
  std::string logs(const JobHandle& handle) override;
  // scancel: SIGTERM to every rank (they checkpoint), SIGKILL after the cluster's KillWait.
  // A job that already ended is left alone.
  void cancel(const JobHandle& handle) override;

  // `scontrol requeue`: ends the running job (SIGTERM first) and queues it again; the next start
  // resumes from the last checkpoint. Slurm holds a requeued job back for a while (BeginTime);
  // `startNow` clears that (`scontrol update StartTime=now`, operators and root only).
  void requeue(const JobHandle& handle, bool startNow = false);

  // Slurm's state word (squeue %T, scontrol JobState, sacct State such as "CANCELLED by 0").
  static JobState stateFromSlurm(const std::string& word);
  // The state of a job array from its tasks' states (one state for a plain job).
  static JobState combinedState(const std::vector<JobState>& tasks);
  // The job's output file for a run folder and job id, as the script names it.
  static std::string outputPath(const std::string& runDir, const std::string& jobId);
  static constexpr const char* kScriptName = "slurm-job.sh";

  // How long one Slurm command may take before it counts as failed (default 60 s).
  void setCommandTimeout(int milliseconds) { mTimeoutMs = milliseconds; }

 private:
  std::string mPrithvi;
  int mTimeoutMs = 60000;
};

}  // namespace prithvi
