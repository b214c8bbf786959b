#include "core/tokenizer/regex.h"

#include "core/common/errors.h"
#include "core/tokenizer/unicode.h"

#include <cctype>
#include <limits>

namespace slim::tok {

namespace u = unicode;

const char* const Regex::kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const Regex::kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const Regex::kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

constexpr uint32_t kInf = std::numeric_limits<uint32_t>::max();
constexpr size_t kMaxProgram = 20000;   // instructions: bounds {n,m} expansion
constexpr uint32_t kMaxRepeat = 1000;

struct ClassItem {
    enum Kind : uint8_t { Range, Cats, Space, Word } kind = Range;
    bool negated = false;
    char32_t lo = 0, hi = 0;
    uint32_t mask = 0;
    bool match(char32_t cp) const {
        bool in = false;
        switch (kind) {
        case Range: in = cp >= lo && cp <= hi; break;
        case Cats: in = (mask >> u::category(cp)) & 1u; break;
        case Space: in = u::isWhiteSpace(cp); break;
        case Word: in = u::isWordChar(cp); break;
        }
        return in != negated;
    }
};

struct CharClass {
    std::vector<ClassItem> items;
    bool negated = false;
    uint64_t ascii[2] = {0, 0}; // membership of code points < 128, precomputed

    bool matchSlow(char32_t cp) const {
        bool in = false;
        for (const auto& it : items)
            if (it.match(cp)) {
                in = true;
                break;
            }
        return in != negated;
    }
    void finalize() {
        for (char32_t cp = 0; cp < 128; ++cp)
            if (matchSlow(cp))
                ascii[cp >> 6] |= uint64_t(1) << (cp & 63);
    }
    bool match(char32_t cp) const {
        return cp < 128 ? ((ascii[cp >> 6] >> (cp & 63)) & 1u) : matchSlow(cp);
    }
};

enum class Op : uint8_t { Char, Class, Split, Jmp, Match, Bol, Eol, BeginText, EndText, Look, Rep };

struct Inst {
    Op op;
    bool flag = false;    ///< Look: negative; Rep: greedy
    uint32_t x = 0;       ///< Class/Rep: class; Split: preferred branch; Jmp: target; Look: sub-program
    uint32_t y = 0;       ///< Split: other branch; Look: continuation
    char32_t ch = 0;      ///< Char
    uint32_t min = 0, max = 0; ///< Rep
};

struct Node {
    enum Kind { Empty, Char, Class, Concat, Alt, Repeat, Look, Bol, Eol, BeginText, EndText } kind = Empty;
    Node() = default;
    explicit Node(Kind k) : kind(k) {}
    char32_t ch = 0;
    int cls = -1;
    std::vector<Node> kids;
    uint32_t min = 0, max = 0;
    bool greedy = true;
    bool negative = false;
};

bool nullable(const Node& n) {
    switch (n.kind) {
    case Node::Char:
    case Node::Class:
        return false;
    case Node::Concat:
        for (const auto& k : n.kids)
            if (!nullable(k))
                return false;
        return true;
    case Node::Alt:
        for (const auto& k : n.kids)
            if (nullable(k))
                return true;
        return false;
    case Node::Repeat:
        return n.min == 0 || nullable(n.kids[0]);
    default:
        return true;
    }
}

class Parser {
public:
    Parser(std::string_view pattern, std::vector<CharClass>& classes) : m_p(pattern), m_classes(classes) {}

    Node parse() {
        Node n = parseAlt(false, 0);
        if (m_pos < m_p.size())
            fail("unbalanced ')'");
        return n;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw UnsupportedError("regex /" + std::string(m_p) + "/: " + what + " (at offset " +
                               std::to_string(m_pos) + ")");
    }
    bool atEnd() const { return m_pos >= m_p.size(); }
    char peek(size_t ahead = 0) const { return m_pos + ahead < m_p.size() ? m_p[m_pos + ahead] : '\0'; }
    char32_t nextCodePoint() { return u::decodeUtf8(m_p, m_pos); }

    Node parseAlt(bool ci, int depth) {
        if (depth > 32)
            fail("groups nested too deeply");
        Node alt{Node::Alt};
        alt.kids.push_back(parseConcat(ci, depth));
        while (peek() == '|') {
            ++m_pos;
            alt.kids.push_back(parseConcat(ci, depth));
        }
        return alt.kids.size() == 1 ? std::move(alt.kids[0]) : alt;
    }

    Node parseConcat(bool ci, int depth) {
        Node seq{Node::Concat};
        while (!atEnd() && peek() != '|' && peek() != ')')
            seq.kids.push_back(parseRepeat(ci, depth));
        if (seq.kids.empty())
            return Node{Node::Empty};
        return seq.kids.size() == 1 ? std::move(seq.kids[0]) : seq;
    }

    bool parseInterval(uint32_t& mn, uint32_t& mx) {
        // {n} {n,} {n,m}; anything else is a literal '{' (as in Oniguruma).
        size_t p = m_pos + 1;
        auto number = [&](uint32_t& v) {
            const size_t s = p;
            v = 0;
            while (p < m_p.size() && m_p[p] >= '0' && m_p[p] <= '9' && p - s < 7)
                v = v * 10 + uint32_t(m_p[p++] - '0');
            return p > s;
        };
        if (!number(mn))
            return false;
        mx = mn;
        if (p < m_p.size() && m_p[p] == ',') {
            ++p;
            if (!number(mx))
                mx = kInf;
        }
        if (p >= m_p.size() || m_p[p] != '}')
            return false;
        m_pos = p + 1;
        return true;
    }

    Node parseRepeat(bool ci, int depth) {
        Node atom = parseAtom(ci, depth);
        bool quantified = false;
        for (;;) {
            uint32_t mn = 0, mx = 0;
            const char c = peek();
            if (c == '?' || c == '*' || c == '+') {
                ++m_pos;
                mn = c == '+' ? 1 : 0;
                mx = c == '?' ? 1 : kInf;
            } else if (c == '{' && parseInterval(mn, mx)) {
                if (mx != kInf && (mx < mn || mx > kMaxRepeat))
                    fail("bad repetition bounds");
            } else {
                break;
            }
            if (quantified)
                fail("a quantifier applied to a quantifier");
            if (atom.kind == Node::Look || atom.kind == Node::Bol || atom.kind == Node::Eol ||
                atom.kind == Node::BeginText || atom.kind == Node::EndText || atom.kind == Node::Empty)
                fail("a quantifier applied to an assertion");
            Node rep{Node::Repeat};
            rep.min = mn;
            rep.max = mx;
            if (peek() == '?') {
                ++m_pos;
                rep.greedy = false;
            } else if (peek() == '+') {
                fail("possessive quantifiers are not supported");
            }
            rep.kids.push_back(std::move(atom));
            atom = std::move(rep);
            quantified = true;
        }
        return atom;
    }

    int addClass(CharClass cc) {
        cc.finalize();
        m_classes.push_back(std::move(cc));
        return int(m_classes.size()) - 1;
    }

    static ClassItem rangeItem(char32_t lo, char32_t hi) {
        ClassItem it;
        it.kind = ClassItem::Range;
        it.lo = lo;
        it.hi = hi;
        return it;
    }

    /// Case variants under (?i): ASCII letters plus the two Unicode folds onto ASCII (ſ, K).
    void addFolded(std::vector<ClassItem>& items, char32_t lo, char32_t hi, bool ci) {
        items.push_back(rangeItem(lo, hi));
        if (!ci)
            return;
        if (hi >= 128) {
            for (char32_t cp = std::max<char32_t>(lo, 128); cp <= hi && cp < lo + 4096; ++cp) {
                const auto cat = u::category(cp);
                if (cat == u::Lu || cat == u::Ll || cat == u::Lt)
                    fail("case-insensitive matching of non-ASCII letters is not supported");
            }
        }
        for (char32_t cp = lo; cp <= hi && cp < 128; ++cp) {
            if (cp >= 'a' && cp <= 'z')
                items.push_back(rangeItem(cp - 32, cp - 32));
            else if (cp >= 'A' && cp <= 'Z')
                items.push_back(rangeItem(cp + 32, cp + 32));
            if (cp == 's' || cp == 'S')
                items.push_back(rangeItem(0x17F, 0x17F));
            if (cp == 'k' || cp == 'K')
                items.push_back(rangeItem(0x212A, 0x212A));
        }
    }

    Node literalNode(char32_t cp, bool ci) {
        const bool letter = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        if (!ci || (!letter && cp < 128)) {
            Node n{Node::Char};
            n.ch = cp;
            return n;
        }
        CharClass cc;
        addFolded(cc.items, cp, cp, ci);
        Node n{Node::Class};
        n.cls = addClass(std::move(cc));
        return n;
    }

    uint32_t hexDigits(size_t maxDigits, bool braced) {
        uint32_t v = 0;
        size_t n = 0;
        while (!atEnd() && n < maxDigits && std::isxdigit(static_cast<unsigned char>(peek()))) {
            const char c = m_p[m_pos++];
            v = v * 16 + uint32_t(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            ++n;
        }
        if (n == 0 || (braced && peek() != '}'))
            fail("bad hexadecimal escape");
        if (braced)
            ++m_pos;
        if (v > 0x10FFFF)
            fail("code point out of range");
        return v;
    }

    /// After '\': a character escape (returns true, sets cp) or a class escape (adds to items).
    bool parseEscape(char32_t& cp, std::vector<ClassItem>& items, bool inClass) {
        if (atEnd())
            fail("trailing backslash");
        const char c = m_p[m_pos++];
        ClassItem it;
        switch (c) {
        case 's': case 'S':
            it.kind = ClassItem::Space;
            it.negated = c == 'S';
            items.push_back(it);
            return false;
        case 'w': case 'W':
            it.kind = ClassItem::Word;
            it.negated = c == 'W';
            items.push_back(it);
            return false;
        case 'd': case 'D':
            it.kind = ClassItem::Cats;
            it.mask = u::bit(u::Nd);
            it.negated = c == 'D';
            items.push_back(it);
            return false;
        case 'p': case 'P': {
            std::string name;
            bool neg = c == 'P';
            if (peek() == '{') {
                ++m_pos;
                if (peek() == '^') {
                    neg = !neg;
                    ++m_pos;
                }
                while (!atEnd() && peek() != '}')
                    name.push_back(m_p[m_pos++]);
                if (atEnd())
                    fail("unterminated \\p{");
                ++m_pos;
            } else if (!atEnd()) {
                name.push_back(m_p[m_pos++]);
            }
            it.kind = ClassItem::Cats;
            it.mask = u::categoryMaskByName(name);
            it.negated = neg;
            if (it.mask == 0)
                fail("unsupported Unicode property \\p{" + name + "}");
            items.push_back(it);
            return false;
        }
        case 'r': cp = '\r'; return true;
        case 'n': cp = '\n'; return true;
        case 't': cp = '\t'; return true;
        case 'f': cp = '\f'; return true;
        case 'v': cp = '\v'; return true;
        case 'e': cp = 0x1B; return true;
        case 'a': cp = 0x07; return true;
        case 'x':
            if (peek() == '{') {
                ++m_pos;
                cp = hexDigits(8, true);
            } else {
                cp = hexDigits(2, false);
            }
            return true;
        case 'u': cp = hexDigits(4, false); return true;
        default:
            break;
        }
        const auto uc = static_cast<unsigned char>(c);
        if (uc < 128 && !std::isalnum(uc)) {
            cp = uc;
            return true;
        }
        --m_pos;
        fail(std::string("unsupported escape \\") + c + (inClass ? " in a class" : ""));
    }

    Node parseClass(bool ci) {
        CharClass cc;
        if (peek() == '^') {
            cc.negated = true;
            ++m_pos;
        }
        bool first = true;
        for (;;) {
            if (atEnd())
                fail("unterminated character class");
            const char c = peek();
            if (c == ']' && !first) {
                ++m_pos;
                break;
            }
            first = false;
            if (c == '[')
                fail("nested character classes / POSIX brackets are not supported");
            if (c == '&' && peek(1) == '&')
                fail("class intersection (&&) is not supported");
            char32_t lo;
            if (c == '\\') {
                ++m_pos;
                if (!parseEscape(lo, cc.items, true))
                    continue;
            } else {
                lo = nextCodePoint();
            }
            char32_t hi = lo;
            if (peek() == '-' && peek(1) != ']' && peek(1) != '\0') {
                ++m_pos;
                if (peek() == '\\') {
                    ++m_pos;
                    std::vector<ClassItem> dummy;
                    if (!parseEscape(hi, dummy, true))
                        fail("a class escape cannot end a range");
                } else {
                    hi = nextCodePoint();
                }
                if (hi < lo)
                    fail("reversed range in a character class");
            }
            addFolded(cc.items, lo, hi, ci);
        }
        Node n{Node::Class};
        n.cls = addClass(std::move(cc));
        return n;
    }

    Node parseGroup(bool ci, int depth) {
        Node inner;
        if (peek() == '?') {
            const char k = peek(1);
            if (k == ':') {
                m_pos += 2;
                inner = parseAlt(ci, depth + 1);
            } else if (k == 'i' && peek(2) == ':') {
                m_pos += 3;
                inner = parseAlt(true, depth + 1);
            } else if (k == '-' && peek(2) == 'i' && peek(3) == ':') {
                m_pos += 4;
                inner = parseAlt(false, depth + 1);
            } else if (k == '=' || k == '!') {
                m_pos += 2;
                Node look{Node::Look};
                look.negative = k == '!';
                look.kids.push_back(parseAlt(ci, depth + 1));
                inner = std::move(look);
            } else if ((k == '<' && (peek(2) == '=' || peek(2) == '!'))) {
                fail("lookbehind is not supported");
            } else if (k == '<' || (k == 'P' && peek(2) == '<')) {
                // Named group: capture groups are irrelevant for splitting.
                while (!atEnd() && peek() != '>')
                    ++m_pos;
                if (atEnd())
                    fail("unterminated group name");
                ++m_pos;
                inner = parseAlt(ci, depth + 1);
            } else {
                fail("unsupported group syntax (?" + std::string(1, k));
            }
        } else {
            inner = parseAlt(ci, depth + 1);
        }
        if (peek() != ')')
            fail("missing ')'");
        ++m_pos;
        return inner;
    }

    Node parseAtom(bool ci, int depth) {
        const char c = peek();
        switch (c) {
        case '(':
            ++m_pos;
            return parseGroup(ci, depth);
        case '[':
            ++m_pos;
            return parseClass(ci);
        case '.': {
            ++m_pos;
            CharClass cc;
            cc.negated = true;
            cc.items.push_back(rangeItem('\n', '\n'));
            Node n{Node::Class};
            n.cls = addClass(std::move(cc));
            return n;
        }
        case '^': ++m_pos; return Node{Node::Bol};
        case '$': ++m_pos; return Node{Node::Eol};
        case '*': case '+': case '?':
            fail("a quantifier without an operand");
        case '\\': {
            ++m_pos;
            if (peek() == 'A') {
                ++m_pos;
                return Node{Node::BeginText};
            }
            if (peek() == 'z') {
                ++m_pos;
                return Node{Node::EndText};
            }
            CharClass cc;
            char32_t cp;
            if (parseEscape(cp, cc.items, false))
                return literalNode(cp, ci);
            Node n{Node::Class};
            n.cls = addClass(std::move(cc));
            return n;
        }
        default:
            return literalNode(nextCodePoint(), ci);
        }
    }

    std::string_view m_p;
    size_t m_pos = 0;
    std::vector<CharClass>& m_classes;
};

} // namespace

struct Regex::Program {
    std::string pattern;
    const char* name = "custom";
    std::vector<CharClass> classes;
    std::vector<Inst> insts;

    struct Frame {
        uint32_t pc;
        uint32_t count;
        size_t pos;
        size_t minPos;
        uint8_t kind; // 0 alternative, 1 greedy repetition, 2 lazy repetition
    };

    [[noreturn]] void fail(const std::string& what) const {
        throw UnsupportedError("regex /" + pattern + "/: " + what);
    }

    size_t emit(Inst in) {
        if (insts.size() >= kMaxProgram)
            fail("pattern too large after expanding repetitions");
        insts.push_back(in);
        return insts.size() - 1;
    }

    int classOfChar(char32_t ch) {
        CharClass cc;
        ClassItem it;
        it.lo = it.hi = ch;
        cc.items.push_back(it);
        cc.finalize();
        classes.push_back(std::move(cc));
        return int(classes.size()) - 1;
    }

    void compile(const Node& n) {
        switch (n.kind) {
        case Node::Empty:
            return;
        case Node::Char:
            emit({Op::Char, false, 0, 0, n.ch});
            return;
        case Node::Class:
            emit({Op::Class, false, uint32_t(n.cls)});
            return;
        case Node::Concat:
            for (const auto& k : n.kids)
                compile(k);
            return;
        case Node::Alt: {
            std::vector<size_t> jumps;
            for (size_t i = 0; i < n.kids.size(); ++i) {
                if (i + 1 < n.kids.size()) {
                    const size_t split = emit({Op::Split});
                    insts[split].x = uint32_t(insts.size());
                    compile(n.kids[i]);
                    jumps.push_back(emit({Op::Jmp}));
                    insts[split].y = uint32_t(insts.size());
                } else {
                    compile(n.kids[i]);
                }
            }
            for (size_t j : jumps)
                insts[j].x = uint32_t(insts.size());
            return;
        }
        case Node::Repeat: {
            const Node& kid = n.kids[0];
            if (kid.kind == Node::Char || kid.kind == Node::Class) {
                // One instruction with counter-based backtracking: O(1) stack per repetition.
                const int cls = kid.kind == Node::Class ? kid.cls : classOfChar(kid.ch);
                Inst in{Op::Rep, n.greedy, uint32_t(cls)};
                in.min = n.min;
                in.max = n.max;
                emit(in);
                return;
            }
            if (n.max == kInf && nullable(kid))
                fail("an unbounded repetition of something that can match empty");
            for (uint32_t i = 0; i < n.min; ++i)
                compile(kid);
            if (n.max == kInf) {
                const size_t split = emit({Op::Split});
                compile(kid);
                emit({Op::Jmp, false, uint32_t(split)});
                const uint32_t body = uint32_t(split + 1), out = uint32_t(insts.size());
                insts[split].x = n.greedy ? body : out;
                insts[split].y = n.greedy ? out : body;
                return;
            }
            std::vector<size_t> splits;
            for (uint32_t i = n.min; i < n.max; ++i) {
                splits.push_back(emit({Op::Split}));
                compile(kid);
            }
            const uint32_t out = uint32_t(insts.size());
            for (size_t s : splits) {
                insts[s].x = n.greedy ? uint32_t(s + 1) : out;
                insts[s].y = n.greedy ? out : uint32_t(s + 1);
            }
            return;
        }
        case Node::Look: {
            const size_t look = emit({Op::Look, n.negative});
            insts[look].x = uint32_t(insts.size());
            compile(n.kids[0]);
            emit({Op::Match});
            insts[look].y = uint32_t(insts.size());
            return;
        }
        case Node::Bol: emit({Op::Bol}); return;
        case Node::Eol: emit({Op::Eol}); return;
        case Node::BeginText: emit({Op::BeginText}); return;
        case Node::EndText: emit({Op::EndText}); return;
        }
    }

    /// Anchored backtracking match of the program from `pc` at `pos`; leftmost-first priority.
    bool matchAt(uint32_t pc, std::string_view t, size_t pos, size_t& end, std::vector<Frame>& stack,
                 uint64_t& budget) const {
        const size_t base = stack.size();
        const size_t n = t.size();
        auto spend = [&](uint64_t steps) {
            if (budget < steps)
                throw UnsupportedError("regex /" + pattern + "/ exceeded its step budget on a " +
                                       std::to_string(n) + "-byte input (pathological backtracking)");
            budget -= steps;
        };
        for (;;) {
            spend(1);
            const Inst& in = insts[pc];
            bool ok = true;
            switch (in.op) {
            case Op::Char:
                if (in.ch < 128) {
                    ok = pos < n && static_cast<unsigned char>(t[pos]) == in.ch;
                    pos += ok;
                } else {
                    size_t p = pos;
                    ok = pos < n && u::decodeUtf8(t, p) == in.ch;
                    if (ok)
                        pos = p;
                }
                ++pc;
                break;
            case Op::Class: {
                size_t p = pos;
                ok = pos < n && classes[in.x].match(u::decodeUtf8(t, p));
                pos = p;
                ++pc;
                break;
            }
            case Op::Split:
                stack.push_back({in.y, 0, pos, 0, 0});
                pc = in.x;
                break;
            case Op::Jmp:
                pc = in.x;
                break;
            case Op::Match:
                end = pos;
                stack.resize(base); // a lookahead is atomic; the top-level match is final
                return true;
            case Op::Bol:
                ok = pos == 0 || t[pos - 1] == '\n';
                ++pc;
                break;
            case Op::Eol:
                ok = pos == n || t[pos] == '\n';
                ++pc;
                break;
            case Op::BeginText:
                ok = pos == 0;
                ++pc;
                break;
            case Op::EndText:
                ok = pos == n;
                ++pc;
                break;
            case Op::Look: {
                size_t e = 0;
                const bool m = matchAt(in.x, t, pos, e, stack, budget);
                ok = m != in.flag;
                pc = in.y;
                break;
            }
            case Op::Rep: {
                const CharClass& cc = classes[in.x];
                size_t p = pos;
                uint32_t cnt = 0;
                while (ok && cnt < in.min) {
                    size_t q = p;
                    ok = p < n && cc.match(u::decodeUtf8(t, q));
                    p = q;
                    ++cnt;
                }
                if (!ok)
                    break;
                if (in.flag) {
                    const size_t minPos = p;
                    while (cnt < in.max && p < n) {
                        size_t q = p;
                        if (!cc.match(u::decodeUtf8(t, q)))
                            break;
                        p = q;
                        ++cnt;
                    }
                    spend(cnt); // long runs count against the budget too
                    if (p > minPos)
                        stack.push_back({pc, 0, p, minPos, 1});
                } else {
                    stack.push_back({pc, cnt, p, 0, 2});
                }
                pos = p;
                ++pc;
                break;
            }
            }
            if (ok)
                continue;
            // Backtrack to the most recent choice point of this (sub-)match.
            for (;;) {
                if (stack.size() == base)
                    return false;
                spend(1);
                const Frame f = stack.back();
                stack.pop_back();
                if (f.kind == 0) {
                    pc = f.pc;
                    pos = f.pos;
                    break;
                }
                if (f.kind == 1) {
                    const size_t np = u::prevCodePointStart(t, f.pos);
                    if (np > f.minPos)
                        stack.push_back({f.pc, 0, np, f.minPos, 1});
                    pos = np;
                    pc = f.pc + 1;
                    break;
                }
                const Inst& ri = insts[f.pc];
                if (f.count < ri.max && f.pos < n) {
                    size_t q = f.pos;
                    if (classes[ri.x].match(u::decodeUtf8(t, q))) {
                        stack.push_back({f.pc, f.count + 1, q, 0, 2});
                        pos = q;
                        pc = f.pc + 1;
                        break;
                    }
                }
            }
        }
    }
};

Regex::Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

Regex::Regex(std::string_view pattern) : m_prog(std::make_unique<Program>()) {
    m_prog->pattern = std::string(pattern);
    if (pattern == kGpt2Pattern)
        m_prog->name = "GPT-2";
    else if (pattern == kLlama3Pattern)
        m_prog->name = "Llama-3";
    else if (pattern == kQwen2Pattern)
        m_prog->name = "Qwen2";
    Parser parser(pattern, m_prog->classes);
    const Node root = parser.parse();
    m_prog->compile(root);
    m_prog->emit({Op::Match});
}

Regex Regex::literal(std::string_view lit) {
    Regex r;
    r.m_prog = std::make_unique<Program>();
    r.m_prog->pattern = std::string(lit);
    r.m_prog->name = "literal";
    for (size_t pos = 0; pos < lit.size();)
        r.m_prog->emit({Op::Char, false, 0, 0, u::decodeUtf8(lit, pos)});
    r.m_prog->emit({Op::Match});
    return r;
}

const std::string& Regex::pattern() const { return m_prog->pattern; }
const char* Regex::knownName() const { return m_prog->name; }

void Regex::findAll(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
    std::vector<Program::Frame> stack;
    stack.reserve(64);
    uint64_t budget = 100000 + 256 * uint64_t(text.size() + 1);
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = 0;
        if (m_prog->matchAt(0, text, pos, end, stack, budget) && end > pos) {
            out.emplace_back(pos, end);
            pos = end;
        } else {
            pos += u::utf8SeqLen(static_cast<unsigned char>(text[pos]));
        }
    }
}

} // namespace slim::tok
