// lib/pseudo/encrypted_attributes.cpp — see encrypted_attributes.hpp.
#include "pseudo/encrypted_attributes.hpp"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "core/text.hpp"
#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"

namespace dicomscrub::reid {
namespace {

constexpr Tag kEncryptedAttributes{0x0400, 0x0500};
constexpr Tag kEncryptedContentSyntax{0x0400, 0x0510};
constexpr Tag kEncryptedContent{0x0400, 0x0520};
constexpr Tag kModifiedAttributes{0x0400, 0x0550};
constexpr Tag kSopInstanceUid{0x0008, 0x0018};
// Written by de-identification; absent from the sealed item means "added by us": removed on return.
constexpr Tag kMarkers[] = {{0x0012, 0x0062}, {0x0012, 0x0063}, {0x0012, 0x0064}, {0x0028, 0x0303}};
constexpr std::uint32_t kLargestSealedValue = 1u << 20;
constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char* kExplicitBE = "1.2.840.10008.1.2.2";

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Error config_error(const std::string& file, const std::string& what) {
  return Error{ErrorCode::invalid_argument, file, 0, {}, what};
}

template <typename T, void (*F)(T*)>
struct Freer { void operator()(T* p) const { F(p); } };
using BioPtr = std::unique_ptr<BIO, Freer<BIO, BIO_free_all>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Freer<CMS_ContentInfo, CMS_ContentInfo_free>>;

void free_certs(STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); }

Result<std::vector<std::uint8_t>> encode(const Dataset& ds, const Encoding& enc) {
  DicomFile f;
  f.encoding = enc;
  f.encoding.deflated = false;
  f.dataset = ds;
  return write_to_buffer(f);
}

bool is_bulk(const Element& e) {
  return e.tag.group == 0x7FE0 || e.form == ElementForm::encapsulated || e.value.size() > kLargestSealedValue;
}

}  // namespace

struct Recipients::Impl {
  STACK_OF(X509)* certs = sk_X509_new_null();
  bool all_have_key_id = true;
  ~Impl() { free_certs(certs); }
};

Recipients::~Recipients() = default;

Result<std::shared_ptr<const Recipients>> Recipients::from_files(const std::vector<std::string>& files) {
  auto r = std::shared_ptr<Recipients>(new Recipients());
  r->impl_ = std::make_unique<Impl>();
  for (const auto& path : files) {
    BioPtr in(BIO_new_file(path.c_str(), "r"));
    if (!in) return Error{ErrorCode::io, path, 0, {}, "cannot read the recipient certificate"};
    X509* cert = PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr);
    if (!cert) return config_error(path, "not a PEM X.509 certificate: " + openssl_error());
    EVP_PKEY* pub = X509_get0_pubkey(cert);
    int type = pub ? EVP_PKEY_get_base_id(pub) : 0;
    if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
      X509_free(cert);
      return config_error(path, "the certificate's key is neither RSA nor EC");
    }
    if (!X509_get0_subject_key_id(cert)) r->impl_->all_have_key_id = false;
    sk_X509_push(r->impl_->certs, cert);
  }
  if (sk_X509_num(r->impl_->certs) == 0) return config_error({}, "no recipient certificate given");
  return std::shared_ptr<const Recipients>(std::move(r));
}

struct RecipientKey::Impl {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Impl() { EVP_PKEY_free(key); X509_free(cert); }
};

RecipientKey::~RecipientKey() = default;

Result<std::shared_ptr<const RecipientKey>> RecipientKey::from_files(const std::string& key_pem, const std::string& cert_pem) {
  auto k = std::shared_ptr<RecipientKey>(new RecipientKey());
  k->impl_ = std::make_unique<Impl>();
  BioPtr in(BIO_new_file(key_pem.c_str(), "r"));
  if (!in) return Error{ErrorCode::io, key_pem, 0, {}, "cannot read the private key"};
  // No passphrase callback: an encrypted key file is refused rather than prompting in a batch.
  k->impl_->key = PEM_read_bio_PrivateKey(in.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  if (!k->impl_->key) return config_error(key_pem, "not an unencrypted PEM private key: " + openssl_error());
  if (!cert_pem.empty()) {
    BioPtr cin(BIO_new_file(cert_pem.c_str(), "r"));
    if (!cin) return Error{ErrorCode::io, cert_pem, 0, {}, "cannot read the certificate"};
    k->impl_->cert = PEM_read_bio_X509(cin.get(), nullptr, nullptr, nullptr);
    if (!k->impl_->cert) return config_error(cert_pem, "not a PEM X.509 certificate: " + openssl_error());
    if (X509_check_private_key(k->impl_->cert, k->impl_->key) != 1)
      return config_error(cert_pem, "the certificate does not belong to the private key");
  }
  return std::shared_ptr<const RecipientKey>(std::move(k));
}

Status seal_original_values(const Dataset& original, const Encoding& encoding, Dataset& deidentified, const Recipients& to) {
  const Encoding plain{true, encoding.big_endian, false};
  Item sealed;
  sealed.length = kUndefinedLength;
  for (const Element& e : original.elements()) {
    if (e.tag.group == 0x0002 || e.tag == kEncryptedAttributes || is_bulk(e)) continue;
    bool keep = e.tag == kSopInstanceUid || std::find(std::begin(kMarkers), std::end(kMarkers), e.tag) != std::end(kMarkers);
    if (!keep) {
      const Element* now = deidentified.find(e.tag);
      if (!now) keep = true;
      else {
        Dataset a, b;
        a.elements().push_back(e);
        b.elements().push_back(*now);
        auto ea = encode(a, plain), eb = encode(b, plain);
        keep = !ea || !eb || *ea != *eb;
      }
    }
    if (keep) sealed.dataset.elements().push_back(e);
  }
  Dataset content;
  Element mod;
  mod.tag = kModifiedAttributes;
  mod.vr = vrs::SQ;
  mod.form = ElementForm::sequence;
  mod.length = kUndefinedLength;
  mod.items.push_back(std::move(sealed));
  content.elements().push_back(std::move(mod));
  content.mark_modified();
  auto bytes = encode(content, plain);
  if (!bytes) return bytes.error();

  const int flags = CMS_BINARY | (to.impl().all_have_key_id ? CMS_USE_KEYID : 0);  // no issuer names in outputs
  BioPtr in(BIO_new_mem_buf(bytes->data(), int(bytes->size())));
  CmsPtr cms(CMS_encrypt(to.impl().certs, in.get(), EVP_aes_256_cbc(), flags));
  if (!cms) return Error{ErrorCode::io, {}, 0, {}, "CMS encryption failed: " + openssl_error()};
  BioPtr out(BIO_new(BIO_s_mem()));
  if (i2d_CMS_bio(out.get(), cms.get()) != 1) return Error{ErrorCode::io, {}, 0, {}, "CMS encoding failed: " + openssl_error()};
  char* der = nullptr;
  long n = BIO_get_mem_data(out.get(), &der);
  OPENSSL_cleanse(bytes->data(), bytes->size());

  Item item;
  item.length = 0;
  item.dataset.set_string(kEncryptedContentSyntax, vrs::UI, plain.big_endian ? kExplicitBE : kExplicitLE);
  item.dataset.set(kEncryptedContent, vrs::OB, std::vector<std::uint8_t>(der, der + n));
  Element sq;
  sq.tag = kEncryptedAttributes;
  sq.vr = vrs::SQ;
  sq.form = ElementForm::sequence;
  sq.length = 0;  // defined; the writer computes it
  sq.items.push_back(std::move(item));
  deidentified.set(kEncryptedAttributes, vrs::SQ, {});
  *deidentified.find(kEncryptedAttributes) = std::move(sq);
  return Ok{};
}

Result<std::string> restore_original_values(DicomFile& file, const RecipientKey& key) {
  const Element* eas = file.dataset.find(kEncryptedAttributes);
  if (!eas || eas->form != ElementForm::sequence || eas->items.empty())
    return Error{ErrorCode::invalid_argument, file.path, 0, {}, "no Encrypted Attributes Sequence (0400,0500): nothing to re-identify"};
  std::optional<DicomFile> plain;
  std::string last_problem = "no item could be decrypted";
  for (const Item& item : eas->items) {
    auto syntax = item.dataset.get_string(kEncryptedContentSyntax);
    const Element* content = item.dataset.find(kEncryptedContent);
    if (!syntax || !content || content->form != ElementForm::value) { last_problem = "an item lacks (0400,0510) or (0400,0520)"; continue; }
    std::string ts = detail::trim_value(*syntax);
    if (ts != kExplicitLE && ts != kExplicitBE && ts != "1.2.840.10008.1.2") { last_problem = "unsupported Encrypted Content Transfer Syntax " + ts; continue; }
    auto der = content->value.load();
    if (!der) return der.error();
    BioPtr in(BIO_new_mem_buf(der->data(), int(der->size())));
    CmsPtr cms(d2i_CMS_bio(in.get(), nullptr));
    if (!cms) { last_problem = "the Encrypted Content is not CMS: " + openssl_error(); continue; }
    BioPtr out(BIO_new(BIO_s_mem()));
    // CMS_DEBUG_DECRYPT: a wrong key is an error, not a random content key (the countermeasure
    // against an online padding oracle, which an offline tool does not face) that decodes to noise.
    int flags = CMS_BINARY | (key.impl().cert ? 0 : CMS_DEBUG_DECRYPT);
    if (CMS_decrypt(cms.get(), key.impl().key, key.impl().cert, nullptr, out.get(), flags) != 1) {
      last_problem = "this key cannot decrypt it (" + openssl_error() + ")";
      continue;
    }
    char* p = nullptr;
    long n = BIO_get_mem_data(out.get(), &p);
    std::vector<std::uint8_t> bytes(p, p + n);
    ReadOptions ro;
    ro.transfer_syntax = ts;
    auto parsed = read_source(owning_memory_source(std::move(bytes)), ro, "<encrypted attributes>");
    if (!parsed) { last_problem = "the decrypted content is not a data set: " + parsed.error().message(); continue; }
    plain = std::move(parsed).value();
    break;
  }
  if (!plain) return Error{ErrorCode::invalid_argument, file.path, 0, {}, "cannot re-identify: " + last_problem};
  const Element* mod = plain->dataset.find(kModifiedAttributes);
  if (!mod || mod->form != ElementForm::sequence || mod->items.size() != 1)
    return Error{ErrorCode::invalid_argument, file.path, 0, {}, "the decrypted content has no Modified Attributes Sequence with one item"};
  const Dataset& originals = mod->items[0].dataset;
  Dataset& ds = file.dataset;
  for (Tag t : kMarkers)
    if (!originals.find(t)) ds.remove(t);
  ds.remove(kEncryptedAttributes);
  for (const Element& e : originals.elements()) {
    if (Element* now = ds.find(e.tag)) { *now = e; continue; }
    ds.set(e.tag, e.vr, {});
    *ds.find(e.tag) = e;
  }
  ds.mark_modified();
  for (auto& s : plain->sources) file.sources.push_back(s);  // restored values point into them
  rebuild_file_meta(file);
  auto uid = [&](Tag t, const char* none) {
    std::string v = detail::trim_value(ds.get_string(t).value_or(""));
    return v.empty() ? std::string(none) : v;
  };
  return fmt::format("{}/{}/{}.dcm", uid(Tag(0x0020, 0x000D), "no-study"), uid(Tag(0x0020, 0x000E), "no-series"),
                     uid(kSopInstanceUid, "no-instance"));
}

Result<std::string> reidentify_file(const std::string& src, const std::string& out_dir, const RecipientKey& key) {
  auto file = read_file(src);
  if (!file) return file.error();
  auto rel = restore_original_values(*file, key);
  if (!rel) { Error e = rel.error(); e.file = src; return e; }
  namespace fs = std::filesystem;
  fs::path out = fs::path(out_dir) / *rel;
  std::error_code ec;
  fs::create_directories(out.parent_path(), ec);
  if (ec) return Error{ErrorCode::io, out.parent_path().string(), 0, {}, "cannot create the output folder: " + ec.message()};
  auto st = write_file_once(*file, out.string());
  if (!st) return st.error();
  return out.string();
}

namespace {

bool is_enveloped_cms(const Element& content) {
  auto der = content.value.load();
  if (!der || der->empty()) return false;
  BioPtr in(BIO_new_mem_buf(der->data(), int(der->size())));
  CmsPtr cms(d2i_CMS_bio(in.get(), nullptr));
  ERR_clear_error();
  if (!cms) return false;
  int nid = OBJ_obj2nid(CMS_get0_type(cms.get()));
  return nid == NID_pkcs7_enveloped || nid == NID_id_smime_ct_authEnvelopedData;
}

void find_unsealed(const Dataset& ds, const std::string& prefix, std::vector<std::string>& out, int depth) {
  if (depth > 64) return;
  for (const Element& e : ds.elements()) {
    std::string path = prefix + e.tag.str();
    if (e.tag == kModifiedAttributes) { out.push_back(path); continue; }
    if (e.tag == kEncryptedContent && e.form == ElementForm::value && !is_enveloped_cms(e)) out.push_back(path);
    for (std::size_t i = 0; i < e.items.size(); ++i) find_unsealed(e.items[i].dataset, fmt::format("{}[{}]/", path, i), out, depth + 1);
  }
}

}  // namespace

std::vector<std::string> unsealed_original_values(const Dataset& ds) {
  std::vector<std::string> out;
  find_unsealed(ds, "", out, 0);
  return out;
}

}  // namespace dicomscrub::reid
