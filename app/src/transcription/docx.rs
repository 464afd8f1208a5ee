//! The DOCX export (docx-rs, without its image codecs).

use super::{
    clock,
    export::{Document, Options},
};

/// A Word document: the title, the summary and key moments when chosen, then one paragraph per
/// line (its time in colour, the speaker in bold, when chosen).
pub fn render(doc: &Document, options: Options) -> Vec<u8> {
    use docx_rs::{Docx, Paragraph, Run};
    // Sizes are in half-points.
    let heading = |text: &str, size: usize| Paragraph::new().add_run(Run::new().add_text(text).bold().size(size));
    let plain = |text: &str| Paragraph::new().add_run(Run::new().add_text(text));
    let mut out = Docx::new().add_paragraph(heading(&doc.title, 36));
    if let Some(summary) = doc.summary.as_ref().filter(|_| options.summary) {
        out = out.add_paragraph(heading(&format!("Summary ({})", summary.style.label()), 28));
        for line in summary.text.lines().filter(|l| !l.trim().is_empty()) {
            out = out.add_paragraph(plain(line));
        }
        if !summary.key_moments.is_empty() {
            out = out.add_paragraph(heading("Key moments", 28));
            for m in &summary.key_moments {
                out = out.add_paragraph(plain(&format!("{} {}", clock(m.ms), m.title)));
            }
        }
        out = out.add_paragraph(heading("Transcript", 28));
    }
    for (segment, speaker) in &doc.segments {
        let mut line = Paragraph::new();
        if options.timestamps {
            line = line.add_run(
                Run::new()
                    .add_text(format!("[{}] ", clock(segment.start_ms)))
                    .color("4F46E5"),
            );
        }
        if let Some(name) = speaker.as_ref().filter(|_| options.speakers) {
            line = line.add_run(Run::new().add_text(format!("{name}: ")).bold());
        }
        out = out.add_paragraph(line.add_run(Run::new().add_text(segment.text.trim())));
    }
    let mut bytes = std::io::Cursor::new(Vec::new());
    // Writing a zip into memory fails only on a bug in it.
    out.build().pack(&mut bytes).expect("a DOCX is written into memory");
    bytes.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcription::export::{
        render as export,
        tests::{doc, segment, summarised},
        Format,
    };

    #[test]
    fn docx_is_a_word_document_with_the_chosen_parts() {
        let mut d = doc(vec![segment(
            65_000,
            &[("Hi", 65_000, 65_300), ("all.", 65_400, 65_900)],
        )]);
        let all = summarised(&mut d);
        let bytes = export(&d, Format::Docx, all);
        assert_eq!(&bytes[..2], b"PK", "a DOCX is a zip");
        let read = docx_rs::read_docx(&bytes).expect("Word can read it back").json();
        for part in [
            "Standup",
            "Summary (Brief)",
            "A greeting.",
            "1:05 Hello",
            "[1:05] ",
            "Ada: ",
            "Hi all.",
        ] {
            assert!(read.contains(part), "{part} missing");
        }
        let bare = docx_rs::read_docx(&export(&d, Format::Docx, Options::default()))
            .unwrap()
            .json();
        assert!(
            bare.contains("Hi all.")
                && !bare.contains("A greeting.")
                && !bare.contains("Ada: ")
                && !bare.contains("[1:05]")
        );
    }
}
