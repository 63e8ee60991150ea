#pragma once
// The language a run speaks (SPEC §2 --lang): one choice for its reports, its help and its messages.
#include <string_view>

namespace chataudit {

enum class Lang { zh, en };

/// The language of chataudit's own messages (help, usage and input errors, --verbose notes) for every
/// thread of the process: set once by run_tool() before the command line is parsed, read wherever a
/// message is made (a loader thread, a policy check), far from the options that chose it.
void set_message_lang(Lang lang);
Lang message_lang();

/// The language the environment asks for: the first set of LC_ALL, LC_MESSAGES and LANG, Chinese
/// when it starts with "zh", else English (no locale need be installed: nothing calls setlocale).
Lang environment_lang();

}  // namespace chataudit
