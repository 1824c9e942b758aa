// lib/pseudo/encrypted_attributes.hpp — PS3.15 E.1.1's Encrypted Attributes Sequence: the original
// values of what de-identification changed, sealed with OpenSSL CMS (EnvelopedData, AES-256-CBC)
// for one or more recipients' certificates (RSA key transport or EC key agreement), so that the
// holder of a private key -- and nobody else -- can reverse the de-identification under governance.
//
// What is sealed: every top-level element of the input that the output lacks or holds differently
// (a sequence changed anywhere inside is sealed whole, which restores changes at any depth), plus
// the SOP Instance UID and the input's own de-identification markers. It is one Explicit VR Little
// Endian data set holding the Modified Attributes Sequence (0400,0550) with one item: GDCM's
// gdcmanon writes and reads exactly this, so each side decrypts the other's.
// Not sealed: pixel data and values over 1 MiB (burned-in text is cleaned, not reversed).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"

namespace dicomscrub::reid {

// Certificates (PEM) to encrypt for; immutable and shareable between threads once loaded.
class Recipients {
 public:
  static Result<std::shared_ptr<const Recipients>> from_files(const std::vector<std::string>& pem_files);
  ~Recipients();
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  Recipients() = default;
  std::unique_ptr<Impl> impl_;
};

// A recipient's private key (PEM, unencrypted), with its certificate when given (then only the
// recipient info made for that certificate is tried).
class RecipientKey {
 public:
  static Result<std::shared_ptr<const RecipientKey>> from_files(const std::string& key_pem, const std::string& cert_pem = {});
  ~RecipientKey();
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  RecipientKey() = default;
  std::unique_ptr<Impl> impl_;
};

// Adds (0400,0500) to `deidentified`, sealing what differs from `original` (the input's data set
// before de-identification, encoded as `encoding`).
Status seal_original_values(const Dataset& original, const Encoding& encoding, Dataset& deidentified, const Recipients& to);

// Re-identifies `file` in place: decrypts an item of its Encrypted Attributes Sequence with `key`,
// puts every sealed element back, removes the markers de-identification added and the sequence
// itself, and rebuilds the File Meta. Returns "<study>/<series>/<instance>.dcm" from the restored
// UIDs. Fails, changing nothing, when there is no sequence or no item opens with this key.
Result<std::string> restore_original_values(DicomFile& file, const RecipientKey& key);

// Reads `src`, restores it and writes it atomically to out_dir/<study>/<series>/<instance>.dcm
// (never replacing a different file). Returns the path written. Nothing is written on failure.
Result<std::string> reidentify_file(const std::string& src, const std::string& out_dir, const RecipientKey& key);

// Tag paths where original values sit in the clear: a Modified Attributes Sequence (0400,0550)
// outside any envelope, or Encrypted Content (0400,0520) that is not CMS EnvelopedData. For
// `dicomscrub verify`: sealed content it cannot open is opaque, unsealed content is a leak.
std::vector<std::string> unsealed_original_values(const Dataset& ds);

}  // namespace dicomscrub::reid
