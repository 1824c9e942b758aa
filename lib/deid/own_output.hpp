// lib/deid/own_output.hpp — recognising what this engine wrote under the same key, so that `deid`
// of a `deid` output writes it again unchanged (markers aside) instead of pseudonymizing
// pseudonyms, shifting shifted dates and re-cleaning cleaned pixels. Every check is keyed (the
// marks of lib/pseudo, a MAC of the pixel data or document): markers alone prove nothing, anyone can write
// "DICOMSCRUB" into a file, and a file recognised as ours is still walked, verified and cleaned
// wherever its values are not ours.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "pseudo/pseudonymizer.hpp"

namespace dicomscrub::deid {

// The value of De-identification Method that carries the mark of the content we cleaned.
inline constexpr std::string_view kContentMarkPrefix = "DICOMSCRUB CONTENT ";

// Our markers (Patient Identity Removed YES, a De-identification Method of ours) and a SOP
// Instance UID or Patient ID that only the key makes: its dates were shifted (or replaced) already.
bool is_own_output(const Dataset& ds, const pseudo::Pseudonymizer& p);

// kContentMarkPrefix + a keyed MAC of the content as it is: every byte of Pixel Data (its value or
// every fragment) with the transfer syntax and the attributes that say how to read it, and of an
// Encapsulated Document; and of `policy` (what the cleaning was asked to do: a stricter policy
// later searches again). Empty when there is neither or it cannot be read (over 1 GiB).
std::string content_mark(const DicomFile& file, const pseudo::Pseudonymizer& p, std::string_view policy);

// Whether De-identification Method carries the mark of the content as it is now: pixels or a PDF
// we cleaned (or searched) under the same policy and nobody changed since, which a second pass
// would only disturb (blanked boxes make new edges for the text detector; qpdf rewrites a PDF).
bool content_carries_own_mark(const DicomFile& file, const pseudo::Pseudonymizer& p, std::string_view policy);

// Removes every content mark from De-identification Method (the element goes when nothing else is
// left). A mark is a MAC in base32, which now and then spells a date or a word: judged as text it
// would withhold or drop a value of ours depending on the key. Whether it holds is asked before
// (content_carries_own_mark), and the engine writes the mark of the content as it leaves.
void drop_content_marks(Dataset& ds);

// De-identification Method values for an output of ours run again: the values it has (the walk
// judged them) first, then ours it lacks; an old content mark goes when `ours` brings a new one.
std::vector<std::string> merged_method(const Dataset& ds, const std::vector<std::string>& ours);

// De-identification Method Code Sequence likewise: the items it has, then ours whose code it lacks.
Element merged_method_codes(const Dataset& ds, Element ours);

}  // namespace dicomscrub::deid
