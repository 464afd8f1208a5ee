//! Audio preparation: any recording to 16 kHz mono samples, what Whisper listens to. symphonia
//! decodes what it can (WAV, FLAC, MP3, AAC, ALAC, Vorbis); what it cannot (Opus in .opus or
//! .webm, which browsers record) goes through Debian's ffmpeg first.

use std::path::Path;

/// Whisper's sample rate.
pub const RATE: u32 = 16_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AudioError {
    #[error("The recording could not be decoded: {0}")]
    Undecodable(String),
    #[error("ffmpeg, needed for this kind of audio, is not installed on the server")]
    NoFfmpeg,
}

/// The recording as 16 kHz mono samples in -1..1.
pub fn decode_16k_mono(path: &Path) -> Result<Vec<f32>, AudioError> {
    match decode_with_symphonia(path) {
        Ok((samples, rate)) => Ok(resample(&samples, rate, RATE)),
        Err(first) => decode_with_ffmpeg(path).map_err(|e| match e {
            AudioError::NoFfmpeg => AudioError::NoFfmpeg,
            _ => AudioError::Undecodable(first),
        }),
    }
}

/// Mono samples (channels averaged) and their rate.
fn decode_with_symphonia(path: &Path) -> Result<(Vec<f32>, u32), String> {
    use symphonia::core::{
        codecs::audio::AudioDecoderOptions,
        errors::Error,
        formats::{probe::Hint, FormatOptions, TrackType},
        io::MediaSourceStream,
        meta::MetadataOptions,
    };
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(&Hint::new(), mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| e.to_string())?;
    let track = format
        .default_track(TrackType::Audio)
        .cloned()
        .ok_or("no audio track")?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or("no audio parameters")?
        .clone();
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| e.to_string())?;
    let mut mono = Vec::new();
    let mut rate = params.sample_rate.unwrap_or(0);
    let mut interleaved: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(Error::IoError(_)) if !mono.is_empty() => break,
            Err(e) => return Err(e.to_string()),
        };
        if packet.track_id != track.id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet costs its few milliseconds, not the recording.
            Err(Error::DecodeError(_)) => continue,
            Err(e) => return Err(e.to_string()),
        };
        let channels = decoded.spec().channels().count().max(1);
        rate = decoded.spec().rate();
        interleaved.resize(decoded.samples_interleaved(), 0.0);
        decoded.copy_to_slice_interleaved(&mut interleaved);
        mono.extend(
            interleaved
                .chunks(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        );
    }
    if mono.is_empty() || rate == 0 {
        return Err("no sound in it".into());
    }
    Ok((mono, rate))
}

/// `ffmpeg -nostdin -i IN -vn -ac 1 -ar 16000 -c:a pcm_s16le -f wav OUT`, then the WAV read.
fn decode_with_ffmpeg(path: &Path) -> Result<Vec<f32>, AudioError> {
    let out = std::env::temp_dir().join(format!("audiotricks-{}.wav", uuid::Uuid::new_v4().simple()));
    let status = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
        .arg(path)
        .args(["-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-f", "wav"])
        .arg(&out)
        .output();
    let result = match status {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AudioError::NoFfmpeg),
        Err(e) => Err(AudioError::Undecodable(e.to_string())),
        Ok(o) if !o.status.success() => Err(AudioError::Undecodable(
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("ffmpeg failed")
                .to_owned(),
        )),
        Ok(_) => decode_with_symphonia(&out)
            .map(|(samples, _)| samples)
            .map_err(AudioError::Undecodable),
    };
    let _ = std::fs::remove_file(&out);
    result
}

/// Band-limited resampling with a windowed sinc (8 zero crossings each side, Blackman window):
/// ample for speech recognition, and exact when the rates match.
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    let step = f64::from(from) / f64::from(to);
    // Below the lower Nyquist frequency, with a little room for the filter's slope.
    let cutoff = (1.0 / step).min(1.0) * 0.95;
    let zero_crossings = 8.0;
    let half_width = zero_crossings / cutoff;
    let out_len = ((input.len() as f64) / step).floor() as usize;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len {
        let center = n as f64 * step;
        let first = (center - half_width).ceil().max(0.0) as usize;
        let last = ((center + half_width).floor() as usize).min(input.len() - 1);
        let mut sum = 0.0_f64;
        for (i, sample) in input.iter().enumerate().take(last + 1).skip(first) {
            let x = i as f64 - center;
            let arg = std::f64::consts::PI * cutoff * x;
            let sinc = if arg.abs() < 1e-9 { 1.0 } else { arg.sin() / arg };
            let w = x / half_width; // -1..1
            let window = 0.42 + 0.5 * (std::f64::consts::PI * w).cos() + 0.08 * (2.0 * std::f64::consts::PI * w).cos();
            sum += f64::from(*sample) * cutoff * sinc * window;
        }
        out.push(sum as f32);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, seconds: f64) -> Vec<f32> {
        (0..(f64::from(rate) * seconds) as usize)
            .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin() as f32 * 0.5)
            .collect()
    }

    /// Amplitude of `freq` in `samples` (one bin of a DFT).
    fn level(samples: &[f32], freq: f64, rate: u32) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, s) in samples.iter().enumerate() {
            let phase = 2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate);
            re += f64::from(*s) * phase.cos();
            im += f64::from(*s) * phase.sin();
        }
        2.0 * (re * re + im * im).sqrt() / samples.len() as f64
    }

    #[test]
    fn resampling_keeps_speech_frequencies_and_removes_what_16_khz_cannot_hold() {
        let speech = resample(&tone(440.0, 44_100, 1.0), 44_100, RATE);
        assert_eq!(speech.len(), 16_000);
        assert!((level(&speech[100..15_900], 440.0, RATE) - 0.5).abs() < 0.02);
        // 12 kHz is above 16 kHz's Nyquist frequency: it must not fold back in as 4 kHz.
        let high = resample(&tone(12_000.0, 48_000, 1.0), 48_000, RATE);
        assert!(level(&high[100..15_900], 4_000.0, RATE) < 0.01);
        let same = tone(300.0, RATE, 0.1);
        assert_eq!(resample(&same, RATE, RATE), same);
    }
}
