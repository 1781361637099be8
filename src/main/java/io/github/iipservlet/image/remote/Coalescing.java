package io.github.iipservlet.image.remote;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Ranges of a file merged into fewer requests. */
final class Coalescing {
    private Coalescing() {
    }

    /**
     * The ranges {@code [position, position + length)}, sorted, with neighbours less than
     * {@code gap} apart merged while a merged range stays within {@code max} bytes; each result is
     * {@code {start, end}} (end exclusive).
     */
    static List<long[]> merge(long[] positions, int[] lengths, int gap, int max) {
        Integer[] order = new Integer[positions.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(positions[a], positions[b]));
        List<long[]> out = new ArrayList<>();
        long[] current = null;
        for (int i : order) {
            long start = positions[i];
            long end = start + lengths[i];
            if (current != null && start - current[1] <= gap && Math.max(end, current[1]) - current[0] <= max) {
                current[1] = Math.max(current[1], end);
            } else {
                current = new long[] {start, end};
                out.add(current);
            }
        }
        return out;
    }
}
