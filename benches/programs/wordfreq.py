# wordfreq: word frequencies of a generated text of n words (split, lower-case, strip
# punctuation, count in a dict, sort by count), then the ten most frequent. Default n=300_000.
import sys

WORDS = ["the", "quick", "Brown", "fox", "jumps", "over", "lazy", "dog", "and", "runs",
         "away", "from", "a", "big", "Red", "barn", "while", "farmer", "sleeps", "under",
         "old", "oak", "tree", "in", "warm", "summer", "sun", "of", "July", "again"]
PUNCT = ["", "", "", ",", ".", "", "!", "", ";", ""]


def make_text(n):
    lines = []
    line = []
    seed = 7
    for i in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        w = WORDS[(seed >> 8) % len(WORDS)]
        if (seed >> 4) % 7 == 0:
            w = w + str((seed >> 12) % 50)
        line.append(w + PUNCT[(seed >> 16) % len(PUNCT)])
        if len(line) == 12:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    return "\n".join(lines)


def main(n=300_000):
    text = make_text(n)
    counts = {}
    for line in text.splitlines():
        for word in line.split():
            w = word.strip(",.!;").lower()
            if w:
                counts[w] = counts.get(w, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    print(f"wordfreq {n} {len(counts)} " + " ".join(f"{w}={c}" for w, c in top))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)
