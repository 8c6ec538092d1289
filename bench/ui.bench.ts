/**
 * UI benchmark in real Chromium against `webtv serve`: time to render the timeline
 * of a 2,000- and a 30,000-shot channel (a day of 3-s shots), scroll and drag frames
 * on it, and time to persist one reorder, each printed with the ratio to the same
 * measurement on a 200-shot channel taken in the same run.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { openLibrary } from '../src/main/library'
import { openLibraryDb } from '../test/fixtures/library-db'

const repoRoot = join(__dirname, '..')
/** Timeline sizes; the first is the baseline (WEBTV_BENCH_UI_SIZES=200,30000 for a shorter run). */
const SIZES = (process.env.WEBTV_BENCH_UI_SIZES ?? '200,2000,30000').split(',').map(Number)
/** A day of 3-s shots: first render ≤ 100 ms, scroll and drag without dropped frames. */
const DAY = 30_000
/** A frame counts as dropped when it took longer than this (60 Hz: 16.7 ms, with slack for timer jitter). */
const DROPPED_MS = 25
/** Library grid sizes (WEBTV_BENCH_UI_LIBRARY=0 leaves the grid out). */
const LIBRARY_SIZES = process.env.WEBTV_BENCH_UI_LIBRARY === '0' ? [] : ([2_000, 20_000] as const)
const REPS = 5

/** Synthetic ready shots written straight into the library (the grid's cost is per row, not per file). */
function fillLibrary(dataDir: string): Record<number, number> {
  const posterRel = 'media/bench/poster.jpg'
  mkdirSync(join(dataDir, 'media', 'bench'), { recursive: true })
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=256x144',
    '-frames:v',
    '1',
    join(dataDir, posterRel)
  ])
  const lib = openLibrary(dataDir)
  const ids: Record<number, number> = {}
  try {
    for (const n of LIBRARY_SIZES) {
      const ch = lib.createChannel({ name: `library-${n}` })
      const now = Date.now()
      const insert = openLibraryDb(lib.dataDir).prepare(
        `INSERT INTO shots (channel_id, status, approved, prompt, seed, backend, mp4_path, ts_path, poster_path, strip_path, duration_ms, created_at, updated_at)
         VALUES (?, 'ready', 1, ?, ?, 'bench', 'media/bench/x.mp4', 'media/bench/x.ts', ?, NULL, 3000, ?, ?)`
      )
      openLibraryDb(lib.dataDir).transaction(() => {
        for (let i = 0; i < n; i++)
          insert.run(ch.id, `bench shot ${i}: slow pan over a neon city at night, rain`, i, posterRel, now + i, now + i)
      })()
      ids[n] = ch.id
    }
  } finally {
    void lib.close()
  }
  return ids
}

/** Jump the library grid to evenly spaced points; ms from each jump until every visible card shows its shot. */
async function timeLibraryJumps(page: Page, n: number): Promise<{ jump: number; frameP95: number }> {
  await page.waitForFunction(
    (count) =>
      (document.querySelector('[data-testid="library-total"]')?.textContent ?? '').startsWith(`${count} shots`),
    n
  )
  const jumps: number[] = []
  for (let i = 1; i <= 10; i++) {
    jumps.push(
      await page.evaluate(async (fraction) => {
        const el = document.querySelector<HTMLElement>('.library-scroll')!
        const t0 = performance.now()
        el.scrollTop = fraction * (el.scrollHeight - el.clientHeight)
        // No named helpers in here: tsx would wrap them in a __name() the page does not have.
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r))
          if (el.querySelectorAll('.shot-card').length > 0 && el.querySelectorAll('.shot-card.loading').length === 0)
            break
        }
        return performance.now() - t0
      }, i / 10.5)
    )
  }
  // Smooth scrolling: 120 frames of 60 px each; the 95th percentile frame time.
  const frameP95 = await page.evaluate(async () => {
    const el = document.querySelector<HTMLElement>('.library-scroll')!
    el.scrollTop = 0
    const frames: number[] = []
    let last = performance.now()
    for (let i = 0; i < 120; i++) {
      await new Promise((r) => requestAnimationFrame(r))
      const now = performance.now()
      frames.push(now - last)
      last = now
      el.scrollTop += 60
    }
    frames.sort((a, b) => a - b)
    return frames[Math.floor(frames.length * 0.95)]!
  })
  return { jump: median(jumps), frameP95 }
}

async function startServe(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'out/main/cli.js'), 'serve', '--port', '0', '--data-dir', dataDir],
    { stdio: ['pipe', 'pipe', 'pipe'] }
  )
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`webtv serve printed no URL in 30 s (did you run \`npm run build\`?):\n${out}`)),
      30_000
    )
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /Studio: (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => reject(new Error(`webtv serve exited with ${code}:\n${out}`)))
  }).catch(async (err: unknown) => {
    await stopServe(child)
    throw err
  })
  child.removeAllListeners('exit')
  return { child, url }
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

interface Frames {
  p95: number
  dropped: number
  count: number
}

/** Frame times (rAF to rAF) recorded in the page while `during` runs. */
async function recordFrames(page: Page, during: () => Promise<void>): Promise<Frames> {
  // A string, not a function: tsx would wrap the named callback in a __name() the page does not have.
  await page.evaluate(`(() => {
    window.__frames = []
    window.__recording = true
    let last = 0
    const tick = (now) => {
      window.__frames.push(now - last)
      last = now
      if (window.__recording) requestAnimationFrame(tick)
    }
    requestAnimationFrame((now) => {
      last = now
      requestAnimationFrame(tick)
    })
  })()`)
  await during()
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean }
    w.__recording = false
    return w.__frames
  })
  const sorted = [...frames].sort((a, b) => a - b)
  return {
    p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
    dropped: frames.filter((f) => f > DROPPED_MS).length,
    count: frames.length
  }
}

/** Scroll the timeline 60 px a frame for 120 frames, from the start. */
async function timeTimelineScroll(page: Page): Promise<Frames> {
  await page.evaluate(() => (document.querySelector<HTMLElement>('.timeline-scroll')!.scrollLeft = 0))
  return recordFrames(page, () =>
    page.evaluate(async () => {
      const el = document.querySelector<HTMLElement>('.timeline-scroll')!
      for (let i = 0; i < 120; i++) {
        await new Promise((r) => requestAnimationFrame(r))
        el.scrollLeft += 60
      }
    })
  )
}

/** Pick the first card up with the mouse, carry it across the strip in 60 moves, and cancel (Escape). */
async function timeTimelineDrag(page: Page): Promise<Frames> {
  await page.evaluate(() => (document.querySelector<HTMLElement>('.timeline-scroll')!.scrollLeft = 0))
  // The strip is virtualized: the cards at the start mount on the frames after the jump back.
  await page.waitForFunction(() => {
    const card = document.querySelector('[data-testid="timeline-item"]')
    return !!card && card.getBoundingClientRect().width > 0 && card.getBoundingClientRect().left >= 0
  })
  const box = await page.locator('[data-testid="timeline-item"]').first().boundingBox()
  if (!box) throw new Error('the first timeline card has no box on screen after scrolling back to the start')
  const strip = (await page.locator('.timeline-scroll').boundingBox())!
  const y = box.y + box.height / 2
  return recordFrames(page, async () => {
    await page.mouse.move(box.x + box.width / 2, y)
    await page.mouse.down()
    for (let i = 1; i <= 60; i++) {
      await page.mouse.move(box.x + box.width / 2 + ((strip.width - box.width) * i) / 60, y)
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)))
    }
    await page.keyboard.press('Escape')
    await page.mouse.up()
  })
}

async function call<T>(page: Page, base: string, name: string, input: unknown): Promise<T> {
  const res = await page.request.post(`${base}/api/call/${name}`, { data: input })
  const body = (await res.json()) as { ok: boolean; value: T; error?: { message: string } }
  if (!body.ok) throw new Error(`${name}: ${body.error?.message}`)
  return body.value
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function selectChannel(page: Page, id: number): Promise<void> {
  await page.selectOption('#channel-select', String(id))
}

/** From choosing the channel to its timeline painted with every item counted and the first posters in the DOM. */
async function timeRender(page: Page, id: number, emptyId: number, n: number): Promise<number> {
  await selectChannel(page, emptyId)
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="timeline-item"]').length === 0)
  const t0 = await page.evaluate(() => performance.now())
  await selectChannel(page, id)
  await page.waitForFunction((count) => {
    const s = document.querySelector('[data-testid="timeline-summary"]')?.textContent ?? ''
    return s.startsWith(`${count} shots`) && document.querySelectorAll('[data-testid="timeline-item"]').length > 0
  }, n)
  // Until the next frame is painted.
  const t1 = await page.evaluate(
    () => new Promise<number>((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))
  )
  return t1 - t0
}

/** Keyboard-move the first item one place right; from the drop key to the core's answer applied (no "saving…"). */
async function timeReorder(page: Page, base: string, channelId: number): Promise<number> {
  const firstBefore = await page.locator('[data-testid="timeline-item"]').first().getAttribute('data-item-id')
  await page.locator('[data-testid="timeline-item"]').first().focus()
  await page.keyboard.press('Space')
  await page.waitForTimeout(120)
  await page.keyboard.press('ArrowRight')
  await page.waitForTimeout(250)
  const t0 = await page.evaluate(() => performance.now())
  await page.keyboard.press('Space')
  await page.waitForFunction((before) => {
    const s = document.querySelector('[data-testid="timeline-summary"]')?.textContent ?? ''
    const first = document.querySelector('[data-testid="timeline-item"]')?.getAttribute('data-item-id')
    return first !== before && !s.includes('saving')
  }, firstBefore)
  const t1 = await page.evaluate(() => performance.now())
  const pl = await call<{ items: { itemId: number }[] }>(page, base, 'library.playlist.get', { channelId })
  if (String(pl.items[1]?.itemId) !== firstBefore) throw new Error('the reorder did not persist')
  return t1 - t0
}

export default async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'webtv-uibench-'))
  const clipDir = mkdtempSync(join(tmpdir(), 'webtv-uibench-clip-'))
  const clip = join(clipDir, 'bench.mp4')
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=24:duration=1',
    '-f',
    'lavfi',
    '-i',
    'sine=duration=1',
    '-shortest',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    clip
  ])
  const libraryChannels = fillLibrary(dataDir)
  let child: ChildProcess | undefined
  let browser: Browser | undefined
  try {
    const started = await startServe(dataDir)
    child = started.child
    const url = started.url
    const base = new URL(url).origin
    browser = await chromium.launch({
      executablePath: process.env.WEBTV_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run'
      ]
    })
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage()
    await page.goto(url)
    await page.waitForSelector('[data-testid="connection-status"][data-state="connected"]')
    const empty = await call<{ id: number }>(page, base, 'library.channels.create', { name: 'bench-empty' })
    const channels: Record<number, number> = {}
    for (const n of SIZES) {
      const ch = await call<{ id: number }>(page, base, 'library.channels.create', { name: `bench-${n}` })
      const imp = await call<{ results: { ok: boolean; shot?: { id: number }; error?: string }[] }>(
        page,
        base,
        'library.import',
        { channelId: ch.id, paths: [clip] }
      )
      const shotId = imp.results[0]?.shot?.id
      if (!shotId) throw new Error(`import failed: ${JSON.stringify(imp.results)}`)
      // One conformed clip stands in for every shot: the timeline's cost is per item, not per file.
      for (let done = 0; done < n; done += 1000) {
        await call(page, base, 'library.playlist.add', {
          channelId: ch.id,
          shotIds: Array.from({ length: Math.min(1000, n - done) }, () => shotId)
        })
      }
      channels[n] = ch.id
    }
    await page.reload()
    await page.waitForSelector('[data-testid="connection-status"][data-state="connected"]')

    const render: Record<number, number> = {}
    const reorder: Record<number, number> = {}
    const rendered: Record<number, number> = {}
    const scroll: Record<number, Frames> = {}
    const drag: Record<number, Frames> = {}
    for (const n of SIZES) {
      const r: number[] = []
      // One warm-up so both sizes run with compiled code and cached posters.
      await timeRender(page, channels[n]!, empty.id, n)
      for (let i = 0; i < REPS; i++) r.push(await timeRender(page, channels[n]!, empty.id, n))
      render[n] = median(r)
      rendered[n] = await page.locator('[data-testid="timeline-item"]').count()
      await timeTimelineScroll(page) // warm-up
      scroll[n] = await timeTimelineScroll(page)
      drag[n] = await timeTimelineDrag(page)
      const m: number[] = []
      for (let i = 0; i < REPS; i++) m.push(await timeReorder(page, base, channels[n]!))
      reorder[n] = median(m)
    }
    const lib: Record<number, { jump: number; frameP95: number }> = {}
    for (const n of LIBRARY_SIZES) {
      await selectChannel(page, libraryChannels[n]!)
      await timeLibraryJumps(page, n) // warm-up
      await selectChannel(page, empty.id)
      await selectChannel(page, libraryChannels[n]!)
      lib[n] = await timeLibraryJumps(page, n)
    }

    const small = SIZES[0]!
    const frames = (f: Frames): string =>
      `p95 ${f.p95.toFixed(1)} ms, ${f.dropped} of ${f.count} frames over ${DROPPED_MS} ms`
    console.log(`timeline render (median of ${REPS}, Chromium, 1280x720; goal at ${DAY}: ≤ 100 ms):`)
    for (const n of SIZES)
      console.log(
        `  ${n} shots: ${render[n]!.toFixed(1)} ms (${rendered[n]} cards in the DOM)` +
          (n === small ? '' : `, ratio ${(render[n]! / render[small]!).toFixed(2)}x (${n / small}x the shots)`)
      )
    console.log('timeline scroll (60 px a frame, 120 frames) and mouse drag of a card across the strip (60 moves):')
    for (const n of SIZES)
      console.log(
        `  ${n} shots: scroll ${frames(scroll[n]!)}; drag ${frames(drag[n]!)}` +
          (n === small
            ? ''
            : `; p95 ratio scroll ${(scroll[n]!.p95 / scroll[small]!.p95).toFixed(2)}x, drag ${(drag[n]!.p95 / drag[small]!.p95).toFixed(2)}x`)
      )
    console.log(`persist one reorder (keyboard drop → core's answer applied, median of ${REPS}):`)
    for (const n of SIZES)
      console.log(
        `  ${n} shots: ${reorder[n]!.toFixed(1)} ms` +
          (n === small ? '' : `, ratio ${(reorder[n]! / reorder[small]!).toFixed(2)}x`)
      )
    const [libSmall, libBig] = LIBRARY_SIZES
    if (libSmall !== undefined && libBig !== undefined) {
      console.log(
        'library grid (jump to a point in the list until every visible card is filled, median of 10; smooth scroll p95 frame):'
      )
      console.log(
        `  ${libSmall} shots: jump ${lib[libSmall]!.jump.toFixed(1)} ms, frame p95 ${lib[libSmall]!.frameP95.toFixed(1)} ms`
      )
      console.log(
        `  ${libBig} shots: jump ${lib[libBig]!.jump.toFixed(1)} ms, frame p95 ${lib[libBig]!.frameP95.toFixed(1)} ms`
      )
      console.log(
        `  ratio ${libBig}/${libSmall}: jump ${(lib[libBig]!.jump / lib[libSmall]!.jump).toFixed(2)}x, frame p95 ${(lib[libBig]!.frameP95 / lib[libSmall]!.frameP95).toFixed(2)}x`
      )
    }
  } finally {
    await browser?.close()
    if (child) await stopServe(child)
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(clipDir, { recursive: true, force: true })
  }
}
