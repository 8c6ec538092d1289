import { useState, type ComponentType } from 'react'
import { GenerationPanel } from './GenerationPanel'
import { GoLivePanel } from './GoLivePanel'
import { OutputsPanel } from './OutputsPanel'
import { ShowPanel } from './ShowPanel'

/** The side panel's tabs, in order: adding a panel is one row. */
const TABS = [
  { id: 'onair', label: 'On Air', region: 'On air', Panel: GoLivePanel },
  { id: 'generate', label: 'Generate', region: 'Generate', Panel: GenerationPanel },
  { id: 'show', label: 'Show', region: 'Show', Panel: ShowPanel },
  { id: 'outputs', label: 'Outputs', region: 'Outputs', Panel: OutputsPanel }
] as const satisfies ReadonlyArray<{ id: string; label: string; region: string; Panel: ComponentType }>

type TabId = (typeof TABS)[number]['id']

export function SidePanel() {
  const [tabId, setTab] = useState<TabId>(TABS[0].id)
  const tab = TABS.find((t) => t.id === tabId) ?? TABS[0]
  return (
    <section className="panel side" aria-label={tab.region}>
      <div className="side-tabs" role="tablist" aria-label="Side panel">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={t.id === tab.id}
            className={t.id === tab.id ? 'tab active' : 'tab'}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="side-body" role="tabpanel">
        <tab.Panel />
      </div>
    </section>
  )
}
