//! Window scores from each position's loss, and `--explain`: which token of the window
//! and which content features drove an event's score, as a short line an analyst reads
//! (`unusual token 'system.auth//sudo_failure/failure' (loss 9.80, the event itself)`,
//! `outside the model's 161 tokens ('6cecce1d305b11ad'): scored by content (error 1.38); rare words: up, link`).

use super::features::{words_in_bucket, Features, CONTENT_DIMS, HASH_DIMS, NUMERIC, PAD, UNKNOWN};
use super::model::{Model, Scores};

/// The score of row `r`'s window: the highest loss among its positions, leaving out padding
/// and, when `skip_unknown` (messages outside the vocabulary are scored by content), unknown
/// tokens before the last position. Graphs without per-position losses give their own maximum. With `explain`, also
/// which token it was.
pub fn window(
    model: &Model,
    scores: &Scores,
    tokens: &[i64],
    r: usize,
    skip_unknown: bool,
    explain: bool,
) -> (f32, Option<String>) {
    let w = model.meta.window;
    let Some(loss) = &scores.token_loss else {
        return (scores.sequence[r], None);
    };
    let row = &tokens[r * w..(r + 1) * w];
    let losses = &loss[r * w..(r + 1) * w];
    let mut best: Option<(usize, f32)> = None;
    for (j, (&t, &x)) in row.iter().zip(losses).enumerate() {
        // An unknown token before the event is context (that event was scored by its
        // content); at the event's own position it is an action the model never saw.
        if t == PAD || (skip_unknown && t == UNKNOWN && j + 1 < w) {
            continue;
        }
        if best.is_none_or(|(_, b)| x > b) {
            best = Some((j, x));
        }
    }
    let Some((j, x)) = best else {
        return (0.0, None);
    };
    let why = explain.then(|| {
        let place = if j + 1 == w { "the event itself".to_string() } else { format!("{} events before it", w - 1 - j) };
        format!("unusual token '{}' (loss {x:.2}, {place})", clip(model.token_text(row[j]), 120))
    });
    (x, why)
}

/// The content features the single-event model reconstructed worst: the event's words in
/// the worst buckets, and numeric fields far from what it expected.
pub fn content(scores: &Scores, r: usize, f: &Features) -> Option<String> {
    let errors = scores.content_error.as_ref()?;
    let e = &errors[r * CONTENT_DIMS..(r + 1) * CONTENT_DIMS];
    let total: f32 = e.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut buckets: Vec<usize> = (0..HASH_DIMS).filter(|&d| f.content[d] > 0.0).collect();
    buckets.sort_by(|&a, &b| e[b].total_cmp(&e[a]));
    let mut words: Vec<&str> = Vec::new();
    for &d in buckets.iter().take(3) {
        if e[d] < total * 0.05 {
            break;
        }
        for w in words_in_bucket(&f.words, d) {
            if !words.contains(&w) && words.len() < 4 {
                words.push(w);
            }
        }
    }
    let mut fields: Vec<(usize, f32)> = (0..NUMERIC.len()).map(|i| (i, e[HASH_DIMS + i])).collect();
    fields.sort_by(|a, b| b.1.total_cmp(&a.1));
    let fields: Vec<String> = fields
        .iter()
        .take(2)
        .filter(|&&(_, x)| x >= total * 0.2 && x >= 0.05)
        .map(|&(i, _)| {
            let value = f.content[HASH_DIMS + i];
            if value == 0.0 {
                format!("{} absent", NUMERIC[i])
            } else {
                NUMERIC[i].to_string()
            }
        })
        .collect();
    let mut parts = Vec::new();
    if !words.is_empty() {
        parts.push(format!("rare words: {}", words.join(", ")));
    }
    if !fields.is_empty() {
        parts.push(format!("unusual fields: {}", fields.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The explanation of one event: for a message outside the vocabulary, that and its content
/// score; for an event kind outside it, that and the window's token; else the window's
/// token; then the content's words and fields.
pub fn join(
    model: &Model,
    f: &Features,
    unknown: bool,
    by_content: bool,
    single: Option<f32>,
    window: Option<String>,
    words: Option<String>,
) -> Option<String> {
    let mut parts = Vec::new();
    if by_content {
        let token = f.token.as_deref().unwrap_or("");
        let template = match &f.template {
            Some(t) if t != token => format!(", template {t}"),
            _ => String::new(),
        };
        parts.push(format!(
            "outside the model's {} tokens ('{}'{template}): scored by content (error {:.2})",
            model.vocabulary_size(),
            clip(token, 120),
            single.unwrap_or(0.0)
        ));
    } else if let Some(w) = window {
        if unknown {
            parts.push(format!(
                "outside the model's {} tokens ('{}'): an event kind it never saw",
                model.vocabulary_size(),
                clip(f.token.as_deref().unwrap_or(""), 120)
            ));
        }
        parts.push(w);
    } else if let Some(x) = single {
        parts.push(format!("content error {x:.2}"));
    }
    if let Some(w) = words {
        parts.push(w);
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// At most `max` characters, cut at a character boundary with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_short_text_and_cuts_long_text_at_a_character() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("ééééé", 2), "éé…");
    }
}
