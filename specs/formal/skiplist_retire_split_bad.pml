// skiplist_retire.pml with the bug: the inserter decides from a read of the level-0 word made
// before its DONE read-modify-write, instead of from that RMW's own result. Expected:
// errors: 1 (a mark between the read and the RMW: each side takes the other for the second,
// nobody retires the removed N).
//
// N's level-0 word holds MARK (removed) and DONE (the inserter links no more); both change
// only by read-modify-writes of that one word, so their order is total. The inserter links
// each upper level in two steps: it checks N's own link there (marked: stop linking), then
// its CAS on the predecessor lands (the link is "in flight" in between, so it can land after
// an unlink pass went past that level) or fails (then it stops if level 0 is marked, else it
// searches again and retries the level). Finally it sets DONE. A remove marks N's upper links
// top-down, then level 0; a pop_last marks level 0 first and the upper links after. The first
// level-0 mark wins (the removal); a later one loses and does nothing more. Whoever sets the
// second of MARK and DONE marks the upper links itself (a pop_last may not have yet), runs an
// unlink pass (top level down to 0; a level is unlinked only if N's link there is marked) and
// retires N; the winner runs a pass in any case. Other threads' searches also unlink marked
// links (the helper). Either remover may not run at all.
//
// Checked:
// - retire happens at most once, and only when no level links N;
// - the inserter never links N after its retirement (with the above: N is never retired
//   while the inserter may still link it; SPIN takes every path on which it does link);
// - at the end, a removed N was retired exactly once and is linked nowhere; a node nobody
//   removed is not retired and is still linked at level 0.

#define H      3      // N's height: levels 0, 1, 2
#define MARK   1
#define DONE   2

byte word = 0;        // N's level-0 word: MARK and DONE bits
bool umark[H];        // N's own link at level l >= 1 is marked (index 0 unused)
bool linked[H];       // some predecessor links N at level l
bool retired = false;

// N's link at level l is marked (level 0: the MARK bit).
#define marked(l) (l == 0 -> (word & MARK) != 0 : umark[l])

// One step of an unlink pass (or a helper's snip) at level l.
inline snip(l) {
    atomic {
        if
        :: linked[l] && marked(l) -> linked[l] = false
        :: else -> skip
        fi
    }
}

// An unlink pass: every level, top down, each level one step.
inline unlink_pass() {
    lvl = H - 1;
    do
    :: snip(lvl);
       if
       :: lvl == 0 -> break
       :: else -> lvl--
       fi
    od
}

// Marks N's upper links, top down (each one RMW; idempotent).
inline mark_upper() {
    lvl = H - 1;
    do
    :: lvl == 0 -> break
    :: else -> umark[lvl] = true; lvl--
    od
}

// The second of MARK and DONE: marks the upper links, unlinks N everywhere, retires it (at
// most once, and only when no level links it).
inline unlink_and_retire() {
    mark_upper();
    unlink_pass();
    atomic {
        assert(!retired);
        assert(!linked[0] && !linked[1] && !linked[2]);
        retired = true
    }
}

// After a winning level-0 mark whose RMW returned `before`.
inline finish_removal() {
    if
    :: (before & DONE) != 0 -> unlink_and_retire()  // second of MARK and DONE
    :: else -> unlink_pass()                        // the inserter will retire N
    fi
}

proctype inserter() {
    byte l = 1;
    byte before;
    byte lvl;
    do
    :: l == H -> break
    :: else ->
        if
        :: umark[l] -> break                      // own link marked: link no more
        :: else -> skip
        fi;
        // The predecessor CAS, possibly long after the check above.
        if
        :: atomic { assert(!retired); linked[l] = true }; l++
        :: if                                     // the CAS failed
           :: (word & MARK) != 0 -> break         // removed: link no more
           :: else -> skip                        // search again, retry this level
           fi
        fi
    od;
    before = word;                                // BUG: the read and the RMW are
    word = word | DONE;                           // two steps
    if
    :: (before & MARK) != 0 -> unlink_and_retire()
    :: else -> skip
    fi
}

// A remove (or a replacement): upper links top-down, then level 0.
proctype remover() {
    byte before;
    byte lvl;
    if
    :: goto end                                   // does not run
    :: true
    fi;
    mark_upper();
    atomic { before = word; word = word | MARK };
    if
    :: (before & MARK) != 0 -> skip              // lost: someone else removed N
    :: else -> finish_removal()
    fi;
end:
    skip
}

// A pop_last that read N as last: level 0 first, then (only if that won) the upper links.
proctype popper() {
    byte before;
    byte lvl;
    if
    :: goto end                                   // does not run
    :: true
    fi;
    atomic { before = word; word = word | MARK };
    if
    :: (before & MARK) != 0 -> skip              // lost
    :: else -> mark_upper(); finish_removal()
    fi;
end:
    skip
}

// Other threads' searches: up to two snips of marked links, at any level.
proctype helper() {
    byte n = 0;
    byte l;
    do
    :: n < 2 ->
        if
        :: l = 0
        :: l = 1
        :: l = 2
        fi;
        snip(l);
        n++
    :: break
    od
}

init {
    linked[0] = true;                             // published at level 0 (insert's LP)
    atomic {
        run inserter();
        run remover();
        run popper();
        run helper()
    }
    (_nr_pr == 1);
    if
    :: (word & MARK) != 0 ->
        assert(retired);
        assert(!linked[0] && !linked[1] && !linked[2])
    :: else ->
        assert(!retired && linked[0])
    fi
}
