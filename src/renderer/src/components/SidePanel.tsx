import { useState } from 'react'
import { GenerationPanel } from './GenerationPanel'
import { GoLivePanel } from './GoLivePanel'
import { OutputsPanel } from './OutputsPanel'

type Tab = 'onair' | 'generate' | 'outputs'

export function SidePanel() {
  const [tab, setTab] = useState<Tab>('onair')
  return (
    <section
      className="panel side"
      aria-label={tab === 'onair' ? 'On air' : tab === 'outputs' ? 'Outputs' : 'Generate'}
    >
      <div className="side-tabs" role="tablist" aria-label="Side panel">
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'onair'}
          className={tab === 'onair' ? 'tab active' : 'tab'}
          onClick={() => setTab('onair')}
        >
          On Air
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'generate'}
          className={tab === 'generate' ? 'tab active' : 'tab'}
          onClick={() => setTab('generate')}
        >
          Generate
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'outputs'}
          className={tab === 'outputs' ? 'tab active' : 'tab'}
          onClick={() => setTab('outputs')}
        >
          Outputs
        </button>
      </div>
      <div className="side-body" role="tabpanel">
        {tab === 'onair' ? <GoLivePanel /> : tab === 'outputs' ? <OutputsPanel /> : <GenerationPanel />}
      </div>
    </section>
  )
}
