package com.levqor.runbook;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Compares a block's output with the runbook's expect block, line by line, ignoring spaces at either
 * end of a line and blank lines at the end: {@code …} in a line stands for any text; a line that is
 * only {@code …} stands for any number of lines (none included); a line written {@code /regex/} is a
 * Java regular expression the whole line must match.
 */
public final class ExpectedOutput {
    private static final String ANY = "…";

    private ExpectedOutput() {
    }

    public static boolean matches(String expected, String actual) {
        List<String> exp = lines(expected);
        List<String> act = lines(actual);
        List<Pattern> patterns = new ArrayList<>();
        for (String e : exp) {
            patterns.add(e.equals(ANY) ? null : linePattern(e));
        }
        return match(patterns, 0, act, 0, new Boolean[patterns.size() + 1][act.size() + 1]);
    }

    private static boolean match(List<Pattern> exp, int e, List<String> act, int a, Boolean[][] memo) {
        if (memo[e][a] != null) {
            return memo[e][a];
        }
        boolean result;
        if (e == exp.size()) {
            result = a == act.size();
        } else if (exp.get(e) == null) {
            result = false;
            for (int k = a; k <= act.size() && !result; k++) {
                result = match(exp, e + 1, act, k, memo);
            }
        } else {
            result = a < act.size() && exp.get(e).matcher(act.get(a)).matches() && match(exp, e + 1, act, a + 1, memo);
        }
        memo[e][a] = result;
        return result;
    }

    private static Pattern linePattern(String line) {
        if (line.length() > 2 && line.startsWith("/") && line.endsWith("/")) {
            return Pattern.compile(line.substring(1, line.length() - 1));
        }
        StringBuilder regex = new StringBuilder();
        int from = 0;
        for (int at = line.indexOf(ANY); at >= 0; at = line.indexOf(ANY, from)) {
            regex.append(Pattern.quote(line.substring(from, at))).append(".*");
            from = at + ANY.length();
        }
        regex.append(Pattern.quote(line.substring(from)));
        return Pattern.compile(regex.toString());
    }

    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("\n", -1)) {
            out.add(l.strip());
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }
}
