// lib/media/worker_client.hpp — the engine's side of the media worker: a table with media::Api's
// signatures whose functions send each job to a dicomscrub-media process and return its answer.
// One worker per calling thread (so --jobs N, Python threads and gateway threads get N workers),
// started on the first job and started again after one that crashed, was killed by its sandbox
// or overran the time limit; that job's instance gets the reason ("media worker crashed:
// SIGABRT") and is withheld by its caller, and the next job runs in a fresh worker.
#pragma once

#include "dicomscrub/error.hpp"

namespace dicomscrub::media {

struct Api;

// The worker's table; an Error when the worker program cannot be found (the instance is withheld).
Result<const Api*> worker_api();

// The wall-clock limit per job, seconds: DICOMSCRUB_MEDIA_TIMEOUT, else 300 (OCR of a document
// is bounded at 120 s by the pixel policy; the limit is for a codec that never returns).
double worker_job_seconds();

// The CPU-time limit per job (RLIMIT_CPU, moved forward before each job; SIGXCPU past it), seconds:
// DICOMSCRUB_MEDIA_CPU_SECONDS, else one more than the wall-clock limit. The wall clock catches a
// job that waits; this catches one that spins on the CPU even when the engine cannot watch (a
// stopped engine, a worker left behind), and tests set it below the wall clock to prove it.
unsigned worker_cpu_seconds();

}  // namespace dicomscrub::media
