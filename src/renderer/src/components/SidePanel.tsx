import { useState } from 'react'
import { GenerationPanel } from './GenerationPanel'
import { GoLivePanel } from './GoLivePanel'

type Tab = 'onair' | 'generate'

export function SidePanel() {
  const [tab, setTab] = useState<Tab>('onair')
  return (
    <section className="panel side" aria-label={tab === 'onair' ? 'On air' : 'Generate'}>
      <div className="side-tabs" role="tablist" aria-label="Side panel">
        <button type="button" role="tab" aria-selected={tab === 'onair'} className={tab === 'onair' ? 'tab active' : 'tab'} onClick={() => setTab('onair')}>
          On Air
        </button>
        <button type="button" role="tab" aria-selected={tab === 'generate'} className={tab === 'generate' ? 'tab active' : 'tab'} onClick={() => setTab('generate')}>
          Generate
        </button>
      </div>
      <div className="side-body" role="tabpanel">
        {tab === 'onair' ? <GoLivePanel /> : <GenerationPanel />}
      </div>
    </section>
  )
}
