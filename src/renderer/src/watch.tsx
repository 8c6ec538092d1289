import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { WatchApp } from './watch/WatchApp'
import './styles.css'

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <WatchApp />
  </StrictMode>
)
