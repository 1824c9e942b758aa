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

}  // namespace dicomscrub::media
