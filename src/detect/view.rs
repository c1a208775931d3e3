//! The event as Sigma rules see it: the JSON event, plus two computed fields, and
//! keyword searches limited to the message.

use crate::event;
use rsigma_eval::{Event, EventValue, JsonEvent};
use serde_json::Value;
use std::borrow::Cow;

/// Computed fields a rule may test (documented in `logward detect --help`).
pub const AFTER_HOURS: &str = "logward.after_hours";
pub const HOUR: &str = "logward.hour";

pub struct View<'a> {
    json: JsonEvent<'a>,
    value: &'a Value,
    /// What keyword rules search: `message`, else `event.original`; `None`: every string.
    text: Option<&'a str>,
    /// Local hour of `@timestamp` and whether it is outside working hours.
    hour: Option<(u32, bool)>,
}

impl<'a> View<'a> {
    pub fn new(ev: &'a Value, hour: Option<(u32, bool)>) -> View<'a> {
        let text = event::get_str(ev, "message").or_else(|| event::get_str(ev, "event.original"));
        View { json: JsonEvent::borrow(ev), value: ev, text, hour }
    }
}

impl Event for View<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        match path {
            AFTER_HOURS => self.hour.map(|(_, after)| EventValue::Bool(after)),
            HOUR => self.hour.map(|(h, _)| EventValue::Int(h as i64)),
            // Our dotted-path lookup: no allocation, and it finds Filebeat's dotted keys too.
            _ => event::get(self.value, path).map(EventValue::from),
        }
    }

    // Sigma keyword rules for Linux logs are written against the log line, so they search
    // the message, not every field (a user name must not trigger a keyword rule).
    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        match self.text {
            Some(t) => pred(t),
            None => self.json.any_string_value(pred),
        }
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        match self.text {
            Some(t) => vec![Cow::Borrowed(t)],
            None => self.json.all_string_values(),
        }
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        match self.text {
            Some(t) => visit(t),
            None => self.json.visit_string_values(visit),
        }
    }

    fn to_json(&self) -> Value {
        self.json.to_json()
    }

    // The computed fields live under `logward`, which the event itself may lack; an
    // unknown shape makes the rule index probe every field instead of skipping them.
    fn top_level_keys(&self) -> Option<Vec<Cow<'_, str>>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn computed_fields_and_message_keywords() {
        let ev = json!({"message": "Failed password for bob", "user": {"name": "mallory"}});
        let v = View::new(&ev, Some((23, true)));
        assert_eq!(v.get_field(AFTER_HOURS), Some(EventValue::Bool(true)));
        assert_eq!(v.get_field(HOUR), Some(EventValue::Int(23)));
        assert!(v.any_string_value(&|s| s.contains("Failed password")));
        assert!(!v.any_string_value(&|s| s.contains("mallory")));
        let no_time = View::new(&ev, None);
        assert_eq!(no_time.get_field(AFTER_HOURS), None);
        // Without a message every string value is searched.
        let bare = json!({"user": {"name": "mallory"}});
        assert!(View::new(&bare, None).any_string_value(&|s| s == "mallory"));
    }
}
