#pragma once
// Where the policy's views are kept: one interface, and its two implementations, the column store
// (the default) and the plain-SQLite twin (CHATAUDIT_STORE=sqlite). The engine asks; it never checks
// which one it has.
#include "policy/policy.h"

namespace chataudit::engine_internal {

class Runner;

/// How a view that is not merged into the rules (see Runner::merged) gets its table, and what a
/// connection needs before the rules are compiled on it.
class ViewStorage {
 public:
  virtual ~ViewStorage() = default;
  /// Gives `view` its table on `runner`'s connection (and on its partners'): filled when a rule that
  /// runs reads it, else with its columns only, so that every rule compiles.
  virtual void materialize(Runner& runner, const View& view, bool filled) = 0;
  /// Readies `runner`'s connection for `rule`, once every view has its table.
  virtual void prepare_for(Runner& runner, const Rule& rule) = 0;
};

/// The column store: a view's rows filled into a ColumnTable (shared out among the runners, or
/// through a narrowed statement, where the store's gates allow) and declared as a virtual table in
/// the temp schema. Its tables answer lookups themselves: a rule needs nothing more (views.cpp).
class ColumnarViews final : public ViewStorage {
 public:
  void materialize(Runner& runner, const View& view, bool filled) override;
  void prepare_for(Runner&, const Rule&) override {}
};

/// The plain-SQLite twin: a view as an ordinary temp table that SQLite fills from the view's SQL,
/// and each rule's lookups as ordinary indexes, with none of the store's shortcuts (plain_views.cpp).
class TwinViews final : public ViewStorage {
 public:
  void materialize(Runner& runner, const View& view, bool filled) override;
  void prepare_for(Runner& runner, const Rule& rule) override;
};

}  // namespace chataudit::engine_internal
