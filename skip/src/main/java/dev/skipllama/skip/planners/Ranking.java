package dev.skipllama.skip.planners;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** Picks the layers with the smallest or largest scores; ties go to the deeper layer. */
final class Ranking {
    private Ranking() {
    }

    /** The {@code n} indices with the lowest scores, ascending by index. */
    static List<Integer> lowest(double[] scores, int n, String what) {
        return pick(scores, n, what, Comparator.comparingDouble((Integer i) -> scores[i]));
    }

    /** The {@code n} indices with the highest scores, ascending by index. */
    static List<Integer> highest(double[] scores, int n, String what) {
        return pick(scores, n, what, Comparator.comparingDouble((Integer i) -> -scores[i]));
    }

    private static List<Integer> pick(double[] scores, int n, String what, Comparator<Integer> order) {
        if (n < 0 || n > scores.length) {
            throw new IllegalArgumentException("cannot remove " + n + " " + what + " of " + scores.length);
        }
        for (int i = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("score of " + what + " " + i + " is NaN");
            }
        }
        List<Integer> picked = new ArrayList<>(IntStream.range(0, scores.length).boxed()
                .sorted(order.thenComparing(Comparator.reverseOrder())).limit(n).toList());
        picked.sort(null);
        return picked;
    }
}
