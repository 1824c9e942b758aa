// lib/pseudo/mapping_store.hpp — the mapping tables a re-identification under governance needs:
// DIR/uid_mapping.csv (every UID remapped) and DIR/patid_mapping.csv (Patient ID and Other Patient
// IDs), header `id_old,id_new`, the format MIDI-B scores with. These files are identifying: mode
// 0600, created inside the folder the user names and nowhere else.
//
// Many writers share one folder (jobs of a batch, runs on different days, Dask workers on
// different machines of one file system), so the files are append-only under an exclusive flock:
// a writer takes the lock, reads what others appended since it last looked, appends only the rows
// nobody wrote yet, and releases. No row is written twice and none is lost.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dicomscrub/error.hpp"

namespace dicomscrub::reid {

using IdPairs = std::vector<std::pair<std::string, std::string>>;

class MappingStore {
 public:
  // Creates DIR (mode 0700) when missing; checks both files can be opened for appending.
  static Result<std::shared_ptr<MappingStore>> open(const std::string& dir);
  // Records the pairs of one instance. Thread-safe; safe across processes sharing the folder.
  Status add(const IdPairs& uids, const IdPairs& patient_ids);

  const std::string& dir() const { return dir_; }

 private:
  struct Table {
    std::string path;
    std::set<std::pair<std::string, std::string>> rows;  // what the file holds, as far as we read
    std::uint64_t read_up_to = 0;                          // bytes of the file parsed into rows
    dev_t dev = 0;
    ino_t ino = 0;
  };
  Status merge(Table& table, const IdPairs& pairs);

  std::string dir_;
  std::mutex mutex_;
  Table uids_, patient_ids_;
};

}  // namespace dicomscrub::reid
