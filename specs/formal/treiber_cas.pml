// Treiber stack whose head is a (pointer, version) word: every successful CAS bumps the
// version, so a pop whose snapshot predates any other update fails its CAS even if the same
// node is back on top (the ABA case). Nodes are reused freely: each worker pops two nodes and
// pushes them back. Expected: errors: 0.
//
// Checked: every successful CAS is a linearization point matching a ghost sequential stack
// (LIFO, and the new head is exactly the ghost's next element); a node is never popped while
// a worker already holds it; at the end every node is back on the stack exactly once.

#define NODES   3
#define WORKERS 2
#define NIL     255

byte top = NIL;          // head pointer ...
byte ver = 0;            // ... and its version: one word, read and CASed together
byte next[NODES];

byte ghost[NODES];       // ghost stack, bottom at index 0
byte depth = 0;
bool held[NODES];        // popped and not yet pushed back
byte finished = 0;

// One attempt to swing the head from (t, v) to n; on success, apply the push to the ghost.
inline try_push(n, t, v, ok) {
    atomic {
        if
        :: top == t && ver == v ->
            top = n; ver++;
            ghost[depth] = n; depth++;
            held[n] = false;
            ok = true
        :: else -> ok = false
        fi
    }
}

// One attempt to swing the head from (t, v) to nx; on success, check it against the ghost.
inline try_pop(t, v, nx, ok) {
    atomic {
        if
        :: top == t && ver == v ->
            assert(depth > 0 && ghost[depth - 1] == t);
            depth--;
            top = nx; ver++;
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
    :: atomic { t = top; v = ver };
       next[n] = t;
       try_push(n, t, v, ok);
       if
       :: ok -> break
       :: else -> skip
       fi
    od
}

inline pop(res) {
    do
    :: atomic { t = top; v = ver };
       if
       :: t == NIL -> res = NIL; break
       :: else ->
          nx = next[t];    // may be stale if t was popped and reused meanwhile
          try_pop(t, v, nx, ok);
          if
          :: ok -> res = t; break
          :: else -> skip
          fi
       fi
    od
}

proctype worker() {
    byte t, v, nx, a, b;
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
