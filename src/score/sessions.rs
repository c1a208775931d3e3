//! Sessions and their windows. Each event joins its session (the values of the session
//! fields) and closes a window: the session's last `window` tokens up to and including its
//! own, padded on the left while the session is shorter. Windows are causal, so an event's
//! score is known when it arrives and events stream out in input order. At the end of the
//! input each session gets one more window closed by the end token, which is what tells a
//! session that stopped early from a complete one.

use super::features::{END, PAD};
use crate::fasthash::FastMap;

pub struct Sessions {
    window: usize,
    stride: usize,
    index: FastMap<String, usize>,
    pub list: Vec<Session>,
}

pub struct Session {
    pub key: String,
    /// The last `window - 1` tokens, oldest first.
    recent: Vec<i64>,
    /// Events seen, and those with a token (whose positions windows count).
    pub events: u64,
    pub tokens: u64,
    /// The most recent scored window: (first, last) event positions, 1-based.
    pub last_window: Option<(u64, u64)>,
    /// The sequence score of the most recent window, and the highest of each model's scores.
    pub last_sequence: f32,
    pub max_sequence: f32,
    pub max_single: f32,
    /// The highest content score of its events outside the vocabulary.
    pub max_unknown: f32,
    /// What drove the last window's score (with `--explain`).
    pub last_reason: Option<String>,
}

impl Sessions {
    pub fn new(window: usize, stride: usize) -> Self {
        Sessions { window, stride: stride.max(1), index: FastMap::default(), list: Vec::new() }
    }

    /// Counts an event of the key's session (created at its first event) and returns it.
    pub fn enter(&mut self, key: &str) -> usize {
        if let Some(&i) = self.index.get(key) {
            self.list[i].events += 1;
            return i;
        }
        let i = self.list.len();
        self.list.push(Session {
            key: key.to_string(),
            recent: Vec::with_capacity(self.window - 1),
            events: 1,
            tokens: 0,
            last_window: None,
            last_sequence: 0.0,
            max_sequence: f32::NEG_INFINITY,
            max_single: f32::NEG_INFINITY,
            max_unknown: f32::NEG_INFINITY,
            last_reason: None,
        });
        self.index.insert(key.to_string(), i);
        i
    }

    /// Adds an event's token. When the stride says this event's window is scored, appends
    /// the window's tokens to `tokens`, records it as the session's last window and returns true.
    pub fn push(&mut self, session: usize, token: i64, tokens: &mut Vec<i64>) -> bool {
        let w = self.window;
        let s = &mut self.list[session];
        s.tokens += 1;
        let pos = s.tokens;
        let scored = (pos - 1).is_multiple_of(self.stride as u64);
        if scored {
            tokens.extend(std::iter::repeat_n(PAD, w - 1 - s.recent.len()));
            tokens.extend_from_slice(&s.recent);
            tokens.push(token);
        }
        if w > 1 {
            if s.recent.len() == w - 1 {
                s.recent.remove(0);
            }
            s.recent.push(token);
        }
        if scored {
            s.last_window = Some((pos.saturating_sub(w as u64 - 1).max(1), pos));
        }
        scored
    }

    /// Adds an event's token as context of later windows without scoring a window for it
    /// (an event outside the vocabulary, scored by its content).
    pub fn remember(&mut self, session: usize, token: i64) {
        let w = self.window;
        let s = &mut self.list[session];
        s.tokens += 1;
        if w > 1 {
            if s.recent.len() == w - 1 {
                s.recent.remove(0);
            }
            s.recent.push(token);
        }
    }

    /// The end window of a session: its last tokens followed by the end token.
    pub fn end_window(&self, session: usize, tokens: &mut Vec<i64>) {
        let s = &self.list[session];
        tokens.extend(std::iter::repeat_n(PAD, self.window - 1 - s.recent.len()));
        tokens.extend_from_slice(&s.recent);
        tokens.push(END);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_causal_left_padded_and_follow_the_stride() {
        let mut s = Sessions::new(3, 1);
        let a = s.enter("a");
        let mut t = Vec::new();
        for tok in [10, 11, 12, 13] {
            s.push(a, tok, &mut t);
        }
        assert_eq!(t, [0, 0, 10, 0, 10, 11, 10, 11, 12, 11, 12, 13]);
        let mut end = Vec::new();
        s.end_window(a, &mut end);
        assert_eq!(end, [12, 13, END]);
        assert_eq!(s.list[a].last_window, Some((2, 4)));

        let mut s = Sessions::new(3, 2);
        let (a, b) = (s.enter("a"), s.enter("b"));
        let mut t = Vec::new();
        let got: Vec<(bool, Option<(u64, u64)>)> = [(a, 5), (b, 6), (a, 7), (a, 8)]
            .iter()
            .map(|&(k, tok)| (s.push(k, tok, &mut t), s.list[k].last_window))
            .collect();
        assert_eq!(got, [(true, Some((1, 1))), (true, Some((1, 1))), (false, Some((1, 1))), (true, Some((1, 3)))]);
        assert_eq!(t, [0, 0, 5, 0, 0, 6, 5, 7, 8]);
    }

    #[test]
    fn remembered_tokens_are_context_without_a_window() {
        let mut s = Sessions::new(3, 1);
        let a = s.enter("a");
        let mut t = Vec::new();
        s.push(a, 10, &mut t);
        s.remember(a, 1);
        assert_eq!(t, [0, 0, 10], "no window for the remembered token");
        assert!(s.push(a, 11, &mut t));
        assert_eq!(&t[3..], [10, 1, 11]);
        assert_eq!(s.list[a].last_window, Some((1, 3)));
    }
}
