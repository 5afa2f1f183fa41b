// KNOWN BAD: the Treiber stack of treiber_cas.pml with a plain pointer head (no version) and
// node reuse. A pop reads top = A and next[A] = B, stalls; another worker pops A, pops B and
// pushes A back; the stalled CAS still sees top == A, succeeds, and installs B, which the
// other worker holds. Expected: an assertion violation (errors: 1), the ABA problem.
//
// Same checks as treiber_cas.pml; only the CAS differs (it compares the pointer alone).

#define NODES   3
#define WORKERS 2
#define NIL     255

byte top = NIL;          // head pointer, CASed alone: nothing tells a reused node apart
byte next[NODES];

byte ghost[NODES];       // ghost stack, bottom at index 0
byte depth = 0;
bool held[NODES];        // popped and not yet pushed back
byte finished = 0;

// One attempt to swing the head from t to n; on success, apply the push to the ghost.
inline try_push(n, t, ok) {
    atomic {
        if
        :: top == t ->
            top = n;
            ghost[depth] = n; depth++;
            held[n] = false;
            ok = true
        :: else -> ok = false
        fi
    }
}

// One attempt to swing the head from t to nx; on success, check it against the ghost.
inline try_pop(t, nx, ok) {
    atomic {
        if
        :: top == t ->
            assert(depth > 0 && ghost[depth - 1] == t);
            depth--;
            top = nx;
            assert(top == (depth > 0 -> ghost[depth - 1] : NIL));
            assert(!held[t]);
            held[t] = true;
            ok = true
        :: else -> ok = false
        fi
    }
}

inline push(n) {
    do
    :: t = top;
       next[n] = t;
       try_push(n, t, ok);
       if
       :: ok -> break
       :: else -> skip
       fi
    od
}

inline pop(res) {
    do
    :: t = top;
       if
       :: t == NIL -> res = NIL; break
       :: else ->
          nx = next[t];    // may be stale if t was popped and reused meanwhile
          try_pop(t, nx, ok);
          if
          :: ok -> res = t; break
          :: else -> skip
          fi
       fi
    od
}

proctype worker() {
    byte t, nx, a, b;
    bool ok;
    pop(a);
    pop(b);
    if :: a != NIL -> push(a) :: else -> skip fi;
    if :: b != NIL -> push(b) :: else -> skip fi;
    atomic { finished++ }
}

init {
    byte i, n, count;
    atomic {
        // Initial stack, top first: 0 -> 1 -> 2 (spelled out for NODES == 3; a loop here
        // makes gcc warn about spin's generated undo code).
        next[0] = 1; next[1] = 2; next[2] = NIL;
        ghost[0] = 2; ghost[1] = 1; ghost[2] = 0;
        top = 0;
        depth = NODES;
        for (i : 1 .. WORKERS) { run worker() }
    }
    (finished == WORKERS);
    // Nothing lost or duplicated: the list equals the ghost stack and holds every node.
    n = top;
    count = 0;
    do
    :: n == NIL -> break
    :: else ->
       assert(count < NODES && ghost[depth - 1 - count] == n && !held[n]);
       count++;
       n = next[n]
    od;
    assert(count == NODES && depth == NODES)
}
