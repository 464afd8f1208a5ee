use leptos::prelude::*;
use leptos_meta::Title;

struct Feature {
    title: &'static str,
    body: &'static str,
}

const FEATURES: &[Feature] = &[
    Feature {
        title: "Accurate transcripts, word by word",
        body: "Every word carries its own timestamp, so you can click any word to hear it and subtitles line up. Speakers are labelled where the engine can tell them apart.",
    },
    Feature {
        title: "Private by default",
        body: "Transcription runs on our own servers with an open Whisper model. Bring your OpenAI key if you prefer their engine: it is stored encrypted and never shown again.",
    },
    Feature {
        title: "Edit without breaking timings",
        body: "Fix a misheard name and the words around it keep their place in the audio. Rename speakers once and it applies everywhere.",
    },
    Feature {
        title: "Summaries and key moments",
        body: "Get a summary in the style you need and a list of key moments you can jump to. Reprocess with other settings at any time.",
    },
    Feature {
        title: "Ask your recordings",
        body: "Search every transcript in your workspace by meaning, not just keywords, and get answers that cite the exact minute they came from.",
    },
    Feature {
        title: "Built for teams",
        body: "Shared workspaces with roles, sharing by link with expiry, comments, an activity feed and an audit log of every change.",
    },
];

struct Step {
    title: &'static str,
    body: &'static str,
}

const STEPS: &[Step] = &[
    Step {
        title: "Upload",
        body: "Drop in MP3, WAV, M4A, FLAC, OGG, Opus or WebM. Long recordings upload in parts and resume if your connection drops.",
    },
    Step {
        title: "Transcribe",
        body: "A background job turns speech into text with timestamps. Watch its progress live, or close the tab and come back later.",
    },
    Step {
        title: "Use it",
        body: "Read along with the audio, fix and annotate, then export to TXT, SRT, VTT, DOCX or JSON, or share a read-only link.",
    },
];

struct Plan {
    name: &'static str,
    price: &'static str,
    period: &'static str,
    blurb: &'static str,
    points: &'static [&'static str],
    highlighted: bool,
}

const PLANS: &[Plan] = &[
    Plan {
        name: "Free",
        price: "$0",
        period: "forever",
        blurb: "For trying AudioTricks on your own recordings.",
        points: &["60 audio minutes a month", "Files up to 100 MB", "All export formats"],
        highlighted: false,
    },
    Plan {
        name: "Pro",
        price: "$15",
        period: "per month",
        blurb: "For people who record every week.",
        points: &[
            "1,200 audio minutes a month",
            "Files up to 2 GB",
            "AI summaries and chat",
        ],
        highlighted: true,
    },
    Plan {
        name: "Team",
        price: "$49",
        period: "per month",
        blurb: "For teams that share recordings.",
        points: &[
            "6,000 shared minutes a month",
            "5 members included",
            "Roles, audit log and sharing",
        ],
        highlighted: false,
    },
];

#[component]
pub fn Landing() -> impl IntoView {
    view! {
        <Title text="AudioTricks: transcripts your team can use" />
        <div class="space-y-24">
            <Hero />
            <section id="features" aria-labelledby="features-title" class="scroll-mt-24">
                <SectionHeading id="features-title" eyebrow="Features" title="Everything after the recording" />
                <div class="mt-10 grid gap-6 sm:grid-cols-2 xl:grid-cols-3">
                    {FEATURES
                        .iter()
                        .map(|f| {
                            view! {
                                <article class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                    <h3 class="font-semibold">{f.title}</h3>
                                    <p class="mt-2 text-sm leading-6 text-slate-600 dark:text-slate-300">{f.body}</p>
                                </article>
                            }
                        })
                        .collect_view()}
                </div>
            </section>
            <section id="how-it-works" aria-labelledby="how-title" class="scroll-mt-24">
                <SectionHeading id="how-title" eyebrow="How it works" title="From audio file to answer in three steps" />
                <ol class="mt-10 grid gap-6 md:grid-cols-3">
                    {STEPS
                        .iter()
                        .enumerate()
                        .map(|(i, s)| {
                            view! {
                                <li class="rounded-2xl border border-slate-200 p-6 dark:border-slate-800">
                                    <span class="flex h-9 w-9 items-center justify-center rounded-full bg-indigo-600 font-semibold text-white">
                                        {i + 1}
                                    </span>
                                    <h3 class="mt-4 font-semibold">{s.title}</h3>
                                    <p class="mt-2 text-sm leading-6 text-slate-600 dark:text-slate-300">{s.body}</p>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </section>
            <Pricing />
        </div>
    }
}

#[component]
fn Hero() -> impl IntoView {
    view! {
        <section class="pt-6 text-center sm:pt-12">
            <p class="inline-flex rounded-full bg-indigo-50 px-3 py-1 text-sm font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-200">
                "Meetings, interviews, podcasts and lectures"
            </p>
            <h1 class="mx-auto mt-6 max-w-3xl text-4xl font-bold tracking-tight sm:text-6xl">
                "Turn recorded audio into transcripts your team can use"
            </h1>
            <p class="mx-auto mt-6 max-w-2xl text-lg leading-8 text-slate-600 dark:text-slate-300">
                "AudioTricks transcribes your recordings with word-level timestamps, then lets you search, edit, share, export, summarise and ask questions of them, together, in one workspace."
            </p>
            <div class="mt-10 flex flex-wrap items-center justify-center gap-4">
                <a href="#features" class="rounded-lg bg-indigo-600 px-5 py-3 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
                    "See what it does"
                </a>
                <a href="#how-it-works" class="rounded-lg border border-slate-300 px-5 py-3 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                    "How it works"
                </a>
            </div>
        </section>
    }
}

#[component]
fn Pricing() -> impl IntoView {
    view! {
        <section id="pricing" aria-labelledby="pricing-title" class="scroll-mt-24">
            <SectionHeading id="pricing-title" eyebrow="Pricing" title="Start free, pay as your team grows" />
            <div class="mt-10 grid gap-6 lg:grid-cols-3">
                {PLANS
                    .iter()
                    .map(|p| {
                        let ring = if p.highlighted {
                            "border-indigo-500 ring-2 ring-indigo-500"
                        } else {
                            "border-slate-200 dark:border-slate-800"
                        };
                        view! {
                            <article class=format!("rounded-2xl border bg-white p-6 dark:bg-slate-900 {ring}")>
                                <h3 class="text-lg font-semibold">{p.name}</h3>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">{p.blurb}</p>
                                <p class="mt-4">
                                    <span class="text-4xl font-bold">{p.price}</span>
                                    <span class="ml-1 text-sm text-slate-500">{p.period}</span>
                                </p>
                                <ul class="mt-6 space-y-2 text-sm">
                                    {p.points.iter().map(|pt| view! { <li class="flex gap-2"><span aria-hidden="true" class="text-indigo-600">"✓"</span>{*pt}</li> }).collect_view()}
                                </ul>
                            </article>
                        }
                    })
                    .collect_view()}
            </div>
            <p class="mt-6 text-center text-sm text-slate-500 dark:text-slate-400">
                "Prices in AUD, billed monthly through eWAY. Extra minutes are billed at the end of the month; you can set a cap."
            </p>
        </section>
    }
}

#[component]
fn SectionHeading(id: &'static str, eyebrow: &'static str, title: &'static str) -> impl IntoView {
    view! {
        <div class="text-center">
            <p class="text-sm font-semibold uppercase tracking-widest text-indigo-600 dark:text-indigo-400">{eyebrow}</p>
            <h2 id=id class="mt-2 text-3xl font-bold tracking-tight">{title}</h2>
        </div>
    }
}
