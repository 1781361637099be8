#!/usr/bin/env python3
"""Top frames of a JFR recording made by bench/run.sh PROFILE=1 (or any JFR file).

Usage: bench/jfr-top.py FILE.jfr [N]

Prints the share of samples per top frame (self time) and per method anywhere on the stack
(inclusive, our own classes only). Java samples (jdk.ExecutionSample) and native samples
(jdk.NativeMethodSample: a thread inside a native call, e.g. libjpeg-turbo, OpenJPEG, libdeflate
through jnr-ffi) are counted together; a native sample's top frame is the Java method that made the
call, marked [native]. Threads waiting (sockets, locks, parked) are not sampled by JFR.
"""
import collections
import json
import re
import subprocess
import sys

OURS = "io.github.iipservlet."
# Native frames of threads waiting, not working: JFR samples threads in native code whatever they do.
IDLE = ("sun.nio.ch.EPoll.wait", "sun.nio.ch.Net.accept", "sun.nio.ch.Net.poll", "java.lang.Object.wait",
        "jdk.internal.misc.Unsafe.park", "java.lang.Thread.sleep")
# Frames of the native-call glue: a native sample is attributed to the first frame below them.
GLUE = ("com.kenai.jffi.", "jnr.ffi.", "de.digitalcollections.openjpeg.lib.libopenjp2$jnr")


def name(frame):
    """A method's name without the JVM's generated parts (lambda and hidden-class suffixes)."""
    cls, _, method = frame.rpartition(".")
    cls = re.sub(r"\$\$Lambda\$.*", "$$Lambda", cls)
    return cls + "." + method


def frames_of(event):
    st = event["values"].get("stackTrace")
    if not st:
        return []
    out = []
    for f in st["frames"]:
        m = f["method"]
        cls = m["type"]["name"]
        out.append(name(cls.replace("/", ".") + "." + m["name"]))
    return out


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    raw = subprocess.run(["jfr", "print", "--json", "--stack-depth", "96", "--events",
                          "jdk.ExecutionSample,jdk.NativeMethodSample", path],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(raw)["recording"]["events"]
    top = collections.Counter()
    incl = collections.Counter()
    total = 0
    for e in events:
        fr = frames_of(e)
        if not fr or fr[0].startswith(IDLE):
            continue
        total += 1
        native = e["type"] == "jdk.NativeMethodSample"
        if native:
            caller = next((f for f in fr if not f.startswith(GLUE)), fr[0])
            top[caller + " [native]"] += 1
        else:
            top[fr[0]] += 1
        for m in set(fr):
            if m.startswith(OURS):
                incl[m] += 1
    if total == 0:
        print("  no samples")
        return
    print(f"  {total} samples (threads waiting left out); self (top frame; native calls by their caller):")
    for m, c in top.most_common(n):
        print(f"  {100.0 * c / total:5.1f}%  {m.replace(OURS, '')}")
    print("  inclusive (our methods anywhere on the stack, but those on nearly every stack):")
    for m, c in [(m, c) for m, c in incl.most_common() if c < 0.9 * total][:n]:
        print(f"  {100.0 * c / total:5.1f}%  {m.replace(OURS, '')}")


if __name__ == "__main__":
    main()
