/**
 * Reading text in sampled frames with tesseract.js (WASM, in a worker thread of
 * this process). Offline: the English model comes from the installed
 * @tesseract.js-data/eng package and nothing is cached to disk. One worker,
 * started on first use, shared by every check and closed after ten quiet minutes.
 */
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { Worker } from 'tesseract.js'
import type { SeenWord } from './types'

type TesseractWorker = Worker

/**
 * How long an idle worker is kept. Starting one costs 2.2–3.2 CPU-s (the WASM engine and the English
 * model), more than the rest of a short take's checks together; keeping it costs ~110–180 MB of
 * memory (measured: RSS +180 MB at start, −108 MB at close). Generated takes of a channel with the
 * gate on arrive minutes apart (a model's run, the autopilot's pace), so a one-minute close made nearly
 * every take pay the start; ten minutes covers that pace and still frees the memory of a studio that
 * stopped making takes.
 */
const IDLE_CLOSE_MS = 10 * 60_000
/**
 * Sparse text (scene text anywhere in the frame); the frames arrive as dark strokes on white
 * (measure.ts), so plain Otsu thresholding and no inverted second pass.
 */
const PARAMS = {
  tessedit_pageseg_mode: '11',
  thresholding_method: '0',
  tessedit_do_invert: '0',
  user_defined_dpi: '96'
}

let starting: Promise<TesseractWorker> | null = null
let idleTimer: NodeJS.Timeout | null = null
/** Calls in flight: recognize() is serialised by the worker itself; this only keeps the idle close away. */
let busy = 0

function langPath(): string {
  const require = createRequire(__filename)
  return dirname(require.resolve('@tesseract.js-data/eng/4.0.0/eng.traineddata.gz'))
}

async function startWorker(): Promise<TesseractWorker> {
  const { createWorker, OEM } = await import('tesseract.js')
  const worker = await createWorker('eng', OEM.LSTM_ONLY, {
    langPath: langPath(),
    gzip: true,
    // Never write the model next to the process (the product writes only inside its data folder).
    cacheMethod: 'none',
    errorHandler: () => {}
  })
  await worker.setParameters(PARAMS as never)
  return worker
}

function worker(): Promise<TesseractWorker> {
  if (!starting) {
    starting = startWorker()
    starting.catch(() => (starting = null))
  }
  return starting
}

function scheduleClose(): void {
  if (idleTimer) clearTimeout(idleTimer)
  idleTimer = setTimeout(() => void closeOcr(), IDLE_CLOSE_MS)
  idleTimer.unref()
}

/** Width and height from a binary PGM header (`P5 w h max`). */
function pgmSize(image: Buffer): { width: number; height: number } {
  const m = /^P5\s+(?:#.*\s+)*(\d+)\s+(\d+)/.exec(image.subarray(0, 64).toString('latin1'))
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 1, height: 1 }
}

/** One picture to read: PGM bytes, the sampled time it stands for, and which view of the take it is. */
export interface OcrImage {
  image: Buffer
  at: number
  view: string
}

/** Words read in each image, with tesseract's confidence (0–100). */
export async function readWords(images: OcrImage[]): Promise<SeenWord[]> {
  if (images.length === 0) return []
  busy++
  try {
    const w = await worker()
    const out: SeenWord[] = []
    for (const f of images) {
      const { image } = f
      const { width, height } = pgmSize(image)
      const r = await w.recognize(image, {}, { blocks: true, text: false })
      for (const b of r.data.blocks ?? [])
        for (const p of b.paragraphs)
          for (const l of p.lines)
            for (const word of l.words) {
              const { x0, y0, x1, y1 } = word.bbox
              out.push({
                text: word.text,
                confidence: word.confidence,
                at: f.at,
                view: f.view,
                box: { x0: x0 / width, y0: y0 / height, x1: x1 / width, y1: y1 / height }
              })
            }
    }
    return out
  } finally {
    busy--
    if (busy === 0) scheduleClose()
  }
}

/** Stop the OCR worker (at shutdown; tests). */
export async function closeOcr(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer)
  idleTimer = null
  const s = starting
  starting = null
  if (s && busy === 0) await (await s).terminate()
  else if (s) starting = s
}
