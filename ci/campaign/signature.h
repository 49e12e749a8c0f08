// Failure signatures: the property plus a stable fingerprint of what
// failed, so the same bug found in 500 cases is one row with a count and
// different bugs are different rows. The fingerprint is the shape of the
// message's first line with every number, hex value and address taken out
// (fiber names keep their words, lose their serial numbers), plus, for a
// stuck run, which wait channels the non-idle fibers were blocked on. A
// step invariant's "seen in <fiber>" is left out: it names the fiber that
// ran when the invariant looked, which varies for one bug. A
// process crash's message starts with its signal or sanitizer error and
// the top core functions (see crash_verdict.h), so it needs nothing more.
#pragma once

#include <string>
#include <string_view>

#include "properties/verdict.h"

namespace llsim {

// The first line of `message`, numbers replaced by N, spaces collapsed.
std::string MessageShape(std::string_view message);

// "property: shape[ [waits on 'a', 'b']]".
std::string Signature(const Verdict& v);

// A short file-name-safe id: "<property>-<8 hex digits of the signature>".
std::string SignatureId(const std::string& property, const std::string& signature);

}  // namespace llsim
