// lib/media/module.cpp — the entry point of libdicomscrub_media.so (see media.hpp): the one symbol
// it exports hands out the table of its functions.
#include "media/media.hpp"
#include "media/codec.hpp"
#include "media/ocr.hpp"
#include "media/pdf_cleaner.hpp"

namespace {
const dicomscrub::media::Api kApi = {
    dicomscrub::media::kApiVersion,
    dicomscrub::media::compiler_id(),
    dicomscrub::media::layout_id(),
    &dicomscrub::pixel::decode,
    &dicomscrub::pixel::encode,
    &dicomscrub::pixel::read_lines,
    &dicomscrub::document::clean_pdf,
};
}  // namespace

extern "C" __attribute__((visibility("default"))) const dicomscrub::media::Api* dicomscrub_media_api_v1() { return &kApi; }
