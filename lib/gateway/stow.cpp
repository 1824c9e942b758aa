// lib/gateway/stow.cpp — STOW-RS with libcurl (see stow.hpp).
#include "gateway/stow.hpp"

#include <curl/curl.h>

#include <fstream>
#include <iterator>
#include <mutex>

#include <fmt/format.h>

namespace dicomscrub::gateway {
namespace {

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

constexpr const char* kBoundary = "dicomscrub-stow-7d3f0a";

}  // namespace

SendReport stow_files(const Destination& dest, const std::vector<std::string>& files) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  SendReport rep;
  rep.results.assign(files.size(), SendResult::not_attempted);
  rep.details.assign(files.size(), "");
  CURL* curl = curl_easy_init();
  if (!curl) { rep.association_error = "libcurl could not start"; return rep; }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, fmt::format("Content-Type: multipart/related; type=\"application/dicom\"; boundary={}", kBoundary).c_str());
  headers = curl_slist_append(headers, "Accept: application/dicom+json");
  curl_easy_setopt(curl, CURLOPT_URL, dest.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 300L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);  // BCP 195: TLS 1.2 or later
  if (!dest.tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, dest.tls.ca_file.c_str());
  if (!dest.tls.certificate.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, dest.tls.certificate.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, dest.tls.private_key.c_str());
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    if (!in) { rep.results[i] = SendResult::broken; rep.details[i] = "cannot read the queued file"; continue; }
    std::string body = fmt::format("--{}\r\nContent-Type: application/dicom\r\n\r\n", kBoundary);
    body.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    body += fmt::format("\r\n--{}--\r\n", kBoundary);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
      if (status == 0 && i == 0) { rep.association_error = std::string("STOW-RS: ") + curl_easy_strerror(rc); break; }
      rep.results[i] = SendResult::broken;
      rep.details[i] = std::string("STOW-RS: ") + curl_easy_strerror(rc);
      break;  // the connection is gone: the rest wait for the next round
    }
    if (status == 200) {
      rep.results[i] = SendResult::delivered;
    } else {
      rep.results[i] = SendResult::refused;
      rep.details[i] = fmt::format("STOW-RS answered HTTP {}", status);
    }
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return rep;
}

}  // namespace dicomscrub::gateway
