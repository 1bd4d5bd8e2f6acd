import { engineDriver } from './driver.ts'
import { engineScenarios } from './scenarios.ts'

engineScenarios(engineDriver)
