#pragma once
/// @file wikitext.h
/// WikiText as lm-evaluation-harness's `wikitext` task sees it (docs/evaluation.md,
/// "lm-eval style"): the raw file split into its articles the way the HF dataset
/// EleutherAI/wikitext_document_level does, each article detokenized before it is scored, and
/// words / bytes counted on the ORIGINAL article text.
///
/// - Read as Python's text mode does (the dataset script opens the file so): "\r\n" and a lone
///   "\r" become "\n" (wiki.test.raw has 2,891 carriage returns).
/// - Split (the dataset's generator): the file is split at "\n" into lines; a line starts a new
///   article when, after replacing "= = =" by "===" and then "= =" by "==" and stripping
///   whitespace, it starts with "= " and ends with " =" (a level-1 heading " = Title = ").  The
///   lines gathered so far are joined with "\n" into an article, kept when it is not all
///   whitespace; the last article is always kept.
/// - Detokenizer: lm-eval's preprocess_wikitext.wikitext_detokenizer, rule by rule (contractions,
///   " @-@ " → "-", " @,@ " → ",", " @.@ " → ".", spaces before punctuation, whitespace inside
///   (), [], {}, "" and '' pairs, "= = =" headings, " °", " \n", "\n ", " N " → " 1 ", " 's").
///   Its one regex that cannot match ("/' [0-9]/" — literal slashes) is kept as the no-op it is.
/// - words = len(re.split(r"\s+", page)) (so a leading or trailing space counts one more "word",
///   exactly as the harness counts); bytes = len(page.encode("utf-8")).
/// "Whitespace" is Python's str whitespace (ASCII \t\n\v\f\r, space, \x1c-\x1f, U+0085, U+00A0,
/// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).

#include <cstdint>
#include <string>
#include <vector>

namespace slim::eval {

/// The articles of a WikiText raw file's text, in order.
std::vector<std::string> splitWikitextDocuments(const std::string& raw);
/// lm-eval's wikitext_detokenizer.
std::string wikitextDetokenize(const std::string& page);
/// len(re.split(r"\s+", text)) with Python's Unicode whitespace.
int64_t countWords(const std::string& text);

} // namespace slim::eval
