// A workbook's zip container (libzip, from memory) and the streaming XML reader (expat) its
// parts go through: the limits a part is inflated under, and the refusal of any DOCTYPE.
#include "load/xlsx_parts.h"

#include <expat.h>
#include <fmt/format.h>
#include <zip.h>

#include <array>
#include <mutex>

#include "base/c_time.h"
#include "base/catalog.h"
#include "base/error.h"

namespace chataudit::loading {

FileMagic file_magic(std::string_view first_bytes) {
  if (first_bytes.starts_with("PK\x03\x04") || first_bytes.starts_with("PK\x05\x06")) return FileMagic::zip;
  if (first_bytes.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return FileMagic::ole;
  return FileMagic::other;
}

std::string ole_workbook_message() {
  return tr(
      "a password-protected (encrypted) workbook, or an old .xls or WPS .et file: open it in Excel or WPS, "
      "remove the password if it has one, and save as .xlsx");
}

ZipParts::ZipParts(std::string_view bytes, std::string file) : file_(std::move(file)) {
  if (file_magic(bytes.substr(0, 8)) == FileMagic::ole)
    throw Error(Diagnostic{.file = file_, .message = ole_workbook_message()});
  if (bytes.empty()) throw Error(Diagnostic{.file = file_, .message = tr("empty file; expected an .xlsx workbook")});
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source) {
    // libzip converts the entries' DOS times with mktime, which reads TZ (c_time.h).
    const std::lock_guard<std::mutex> lock(c_time_zone_lock());
    archive_ = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (!archive_) zip_source_free(source);
  }
  if (!archive_) {
    const std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw Error(Diagnostic{.file = file_,
                           .message = tr("not a readable .xlsx workbook ({}); a damaged file, or not a "
                                         "workbook: open it in Excel or WPS and save as .xlsx",
                                         reason)});
  }
  zip_error_fini(&error);
}

ZipParts::~ZipParts() {
  if (archive_) zip_discard(archive_);
}

bool ZipParts::has(const std::string& name) const { return zip_name_locate(archive_, name.c_str(), 0) >= 0; }

Error ZipParts::damaged(const std::string& message) const {
  return Error(
      Diagnostic{.file = file_,
                 .message = tr("damaged workbook: {}; open it in Excel or WPS and save it again as .xlsx", message)});
}

ZipParts::Reader::Reader(ZipParts& parts, const std::string& name) : parts_(parts), name_(name) {
  const zip_int64_t index = zip_name_locate(parts.archive_, name.c_str(), 0);
  if (index < 0) throw parts.damaged(tr("it has no part {}", name));
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(parts.archive_, static_cast<zip_uint64_t>(index), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
    throw parts.damaged(tr("part {} cannot be read", name));
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
    throw Error(Diagnostic{.file = parts.file_, .message = ole_workbook_message()});
  declared_ = stat.size;
  if (declared_ > kMaxWorkbookPartBytes || parts.inflated_ + declared_ > kMaxWorkbookBytes)
    throw Error(
        Diagnostic{.file = parts.file_,
                   .message = tr("part {} would inflate to {} bytes, more than chataudit reads ({} bytes a part, {} in "
                                 "all); a zip bomb, or a workbook too large: save its sheets as CSV",
                                 name, declared_, kMaxWorkbookPartBytes, kMaxWorkbookBytes)});
  {
    const std::lock_guard<std::mutex> lock(c_time_zone_lock());  // the local header's time (c_time.h)
    file_ = zip_fopen_index(parts.archive_, static_cast<zip_uint64_t>(index), 0);
  }
  if (!file_) throw parts.damaged(tr("part {}: {}", name, zip_strerror(parts.archive_)));
}

ZipParts::Reader::~Reader() {
  if (file_) zip_fclose(file_);
}

std::size_t ZipParts::Reader::read(char* buffer, std::size_t size) {
  // One byte more than the part may have left: a part that inflates past its declared size is
  // caught at its first extra byte, however its header lies.
  const std::uint64_t left = declared_ - inflated_;
  const std::size_t ask = static_cast<std::size_t>(std::min<std::uint64_t>(size, left + 1));
  const zip_int64_t got = zip_fread(file_, buffer, ask);
  if (got < 0) throw parts_.damaged(tr("part {}: {}", name_, zip_file_strerror(file_)));
  inflated_ += static_cast<std::uint64_t>(got);
  parts_.inflated_ += static_cast<std::uint64_t>(got);
  if (inflated_ > declared_)
    throw Error(Diagnostic{.file = parts_.file_,
                           .message = tr("part {} inflates past its declared size of {} bytes: a zip bomb or a damaged "
                                         "workbook; refused",
                                         name_, declared_)});
  return static_cast<std::size_t>(got);
}

const char* xml_attribute(const char** attributes, std::string_view name) {
  for (const char** at = attributes; at && *at; at += 2) {
    std::string_view key = at[0];
    if (const std::size_t separator = key.rfind('\x01'); separator != std::string_view::npos)
      key = key.substr(separator + 1);
    if (key == name) return at[1];
  }
  return nullptr;
}

namespace {

std::string_view local_name(const char* name) {
  std::string_view view = name;
  if (const std::size_t separator = view.rfind('\x01'); separator != std::string_view::npos)
    view = view.substr(separator + 1);
  return view;
}

}  // namespace

XmlStream::XmlStream(ZipParts& parts, const std::string& name, XmlHandler& handler)
    : parts_(parts), name_(name), handler_(handler), reader_(parts, name) {
  parser_ = XML_ParserCreateNS(nullptr, '\x01');
  if (!parser_) throw std::bad_alloc();
  XML_SetUserData(parser_, this);
  XML_SetElementHandler(parser_, on_start, on_end);
  XML_SetCharacterDataHandler(parser_, on_text);
  XML_SetStartDoctypeDeclHandler(parser_, on_doctype);
  XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);
}

XmlStream::~XmlStream() { XML_ParserFree(parser_); }

bool XmlStream::step() {
  if (done_) return false;
  std::array<char, 1 << 16> buffer;
  const std::size_t got = reader_.read(buffer.data(), buffer.size());
  done_ = got == 0;
  const XML_Status status = XML_Parse(parser_, buffer.data(), static_cast<int>(got), done_ ? XML_TRUE : XML_FALSE);
  if (handler_.problem) throw *handler_.problem;
  if (doctype_)
    throw Error(Diagnostic{.file = parts_.file(),
                           .message = tr("part {} has a DOCTYPE, which no workbook needs and entity attacks "
                                         "use; refused",
                                         name_)});
  if (status != XML_STATUS_OK) throw xml_error();
  return !done_;
}

Error XmlStream::xml_error() const {
  return parts_.damaged(
      tr("part {}, line {}: {}", name_, XML_GetCurrentLineNumber(parser_), XML_ErrorString(XML_GetErrorCode(parser_))));
}

void XmlStream::stop() { XML_StopParser(parser_, XML_FALSE); }

void XmlStream::on_start(void* self, const char* name, const char** attributes) {
  auto* stream = static_cast<XmlStream*>(self);
  stream->handler_.start(local_name(name), attributes);
  if (stream->handler_.problem) stream->stop();
}

void XmlStream::on_end(void* self, const char* name) {
  auto* stream = static_cast<XmlStream*>(self);
  stream->handler_.end(local_name(name));
  if (stream->handler_.problem) stream->stop();
}

void XmlStream::on_text(void* self, const char* text, int length) {
  auto* stream = static_cast<XmlStream*>(self);
  stream->handler_.text(std::string_view(text, static_cast<std::size_t>(length)));
  if (stream->handler_.problem) stream->stop();
}

void XmlStream::on_doctype(void* self, const char*, const char*, const char*, int) {
  auto* stream = static_cast<XmlStream*>(self);
  stream->doctype_ = true;
  stream->stop();
}

}  // namespace chataudit::loading
